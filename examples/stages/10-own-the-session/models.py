"""The blog's models and session, on plain SQLAlchemy: the app's own bases, no ``db``."""

from __future__ import annotations

import datetime as dt

import sqlalchemy.orm as orm
from fss_compat import flask_scoped_session
import sqlalchemy as sa


class Base(orm.DeclarativeBase):
    """The app's own declarative base, for the blog database."""


#: Plain sessions for scripts and workers; ``create_app`` binds it to the app's engines.
Session = orm.sessionmaker()
#: One session per Flask application context, removed at teardown (``db.session`` before).
session = flask_scoped_session(Session)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(Base):
    __tablename__ = "user"
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    posts: orm.WriteOnlyMapped[Post] = orm.relationship("Post", back_populates="author")


class Post(Base):
    __tablename__ = "post"
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    created: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime, default=_now)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.Integer, sa.ForeignKey("user.id"))
    comments: orm.Mapped[list[Comment]] = orm.relationship(
        "Comment", back_populates="post", order_by="Comment.id", cascade="all, delete-orphan"
    )
    author: orm.Mapped[User] = orm.relationship("User", back_populates="posts")


class Comment(Base):
    __tablename__ = "comment"
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    post_id: orm.Mapped[int] = orm.mapped_column(sa.Integer, sa.ForeignKey("post.id"))
    author_name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    post: orm.Mapped[Post] = orm.relationship("Post", back_populates="comments")


class AuditBase(orm.DeclarativeBase):
    """The audit database's own base: its tables are bound to the audit engine."""


class AuditEntry(AuditBase):
    """Who did what, kept in a separate database (the audit engine)."""

    __tablename__ = "audit_entry"
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    action: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    detail: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime, default=_now)
