"""A small blog schema with ties and NULLs in its sort keys, shared by the pagination tests.

Posts have a ``score`` that is often NULL and often tied, a ``created`` time with ties, and
an author; :func:`seed` fills it deterministically. The keyset, row and count tests, their
properties and the benchmark's smoke run use it on SQLite files and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as orm


class Base(orm.DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(40), unique=True)


class Post(Base):
    __tablename__ = "post"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey(Author.id))
    title: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    score: orm.Mapped[int | None] = orm.mapped_column()
    created: orm.Mapped[dt.datetime] = orm.mapped_column()
    author: orm.Mapped[Author] = orm.relationship()


#: The first post's time; post n is n // 3 hours later (three posts share each time).
EPOCH = dt.datetime(2024, 1, 1, 12, 0, 0)
AUTHORS = 4


def seed(session: orm.Session, posts: int) -> None:
    """``AUTHORS`` authors and ``posts`` posts: scores 0-4 or NULL, times in threes."""
    session.execute(sa.insert(Author), [{"name": f"a{n}"} for n in range(1, AUTHORS + 1)])
    session.execute(
        sa.insert(Post),
        [
            {
                "author_id": n % AUTHORS + 1,
                "title": f"post {n}",
                "score": None if n % 6 == 0 else n * 7 % 5,
                "created": EPOCH + dt.timedelta(hours=n // 3),
            }
            for n in range(1, posts + 1)
        ],
    )
    session.commit()


def make_session(url: str, posts: int) -> Iterator[orm.Session]:
    """A session on a new engine for ``url`` with the schema and ``posts`` posts.

    The tables are dropped and the engine disposed when the generator is closed.
    """
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    try:
        with orm.Session(engine) as session:
            seed(session, posts)
            yield session
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


def ids(items: t.Iterable[t.Any]) -> list[int]:
    """The ``id`` of each post, or of each row's first column that is a post."""
    return [item.id if isinstance(item, Post) else item[0].id for item in items]
