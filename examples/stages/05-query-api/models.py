"""The blog's models, moving off Flask-SQLAlchemy stage by stage (see migration_guide.md)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import SQLAlchemy


class Base(orm.DeclarativeBase):
    """The app's own declarative base; ``db.Model`` builds on it."""


db = SQLAlchemy(model_class=Base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(db.Model):
    __tablename__ = "user"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    posts: orm.Mapped[list[Post]] = db.relationship(back_populates="author", lazy="dynamic")


class Post(db.Model):
    __tablename__ = "post"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    created: orm.Mapped[dt.datetime] = orm.mapped_column(default=_now)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    author: orm.Mapped[User] = orm.relationship(back_populates="posts")
    comments: orm.Mapped[list[Comment]] = orm.relationship(
        back_populates="post", order_by="Comment.id", cascade="all, delete-orphan"
    )


class Comment(db.Model):
    __tablename__ = "comment"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    body: orm.Mapped[str] = orm.mapped_column(sa.Text)
    post_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("post.id"))
    post: orm.Mapped[Post] = orm.relationship(back_populates="comments")
    author_name: orm.Mapped[str] = orm.mapped_column(sa.String(80))


class AuditEntry(db.Model):
    """Who did what, kept in a separate database (the ``audit`` bind)."""

    __tablename__ = "audit_entry"
    __bind_key__ = "audit"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    detail: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    at: orm.Mapped[dt.datetime] = orm.mapped_column(default=_now)
