"""The blog's models, written exactly as for Flask-SQLAlchemy (only the import differs)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import SQLAlchemy


class Base(orm.DeclarativeBase):
    """The app's own declarative base; ``db.Model`` builds on it."""


db = SQLAlchemy(model_class=Base)


class User(db.Model):
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    posts: orm.Mapped[list[Post]] = orm.relationship(back_populates="author")


class Post(db.Model):
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    body: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    created: orm.Mapped[dt.datetime] = orm.mapped_column(default=dt.datetime.now)
    author_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    author: orm.Mapped[User] = orm.relationship(back_populates="posts")
