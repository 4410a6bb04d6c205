"""What the codemod's differential tests share: the models, plain results, SQL counted.

A differential test runs a legacy form and the tool's rewrite of it on the same seeded
database and compares :func:`plain` results and the statements :func:`run` records.
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Callable

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

import fss_compat

MODELS = """\
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50))
    posts = orm.relationship("Post", back_populates="author", order_by="Post.id")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(50))
    author_id = sa.Column(sa.ForeignKey("user.id"))
    author = orm.relationship("User", back_populates="posts")
"""


def seed(models: t.Any) -> None:
    """Three users ``u1``..``u3``, each with three posts ``p<u>0``..``p<u>2``; committed."""
    db = models.db
    db.create_all()
    for u in range(1, 4):
        user = models.User(name=f"u{u}")
        user.posts = [models.Post(title=f"p{u}{p}") for p in range(3)]
        db.session.add(user)
    db.session.commit()
    db.session.remove()


def plain(value: object) -> object:
    """A comparable value: entities by class and id, pages by their numbers."""
    if isinstance(value, (list, tuple, sa.Row)):
        return [plain(item) for item in value]
    if isinstance(value, fss_compat.Pagination):
        return ("page", value.page, value.pages, value.total, plain(list(value.items)))
    if isinstance(value, (sa.Engine, sa.sql.ClauseElement)):
        return str(value)
    if hasattr(value, "__table__"):
        return (type(value).__name__, t.cast(t.Any, value).id)
    return value


def run(call: Callable[[], object], db: t.Any) -> tuple[object, list[str]]:
    """Call on a fresh session; the plain result (a 404 as its description) and the SQL
    statements sent.
    """
    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    db.session.remove()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        with warnings.catch_warnings():
            # The legacy side warns (Query.get, get_engine): that is what the rewrite removes.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", sa.exc.LegacyAPIWarning)
            try:
                value = plain(call())
            except NotFound as error:
                value = ("404", error.description)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return value, statements


def same_sql(legacy: list[str], new: list[str]) -> bool:
    """No more statements than the legacy form, with ``LIMIT`` where it had one."""
    limits = ["LIMIT" in s for s in legacy][: len(new)]
    return len(new) <= len(legacy) and ["LIMIT" in s for s in new] == limits
