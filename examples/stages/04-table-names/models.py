"""The blog's models, written the Flask-SQLAlchemy way."""

from __future__ import annotations

import datetime as dt

import sqlalchemy.orm as orm
from fss_compat import SQLAlchemy
import sqlalchemy as sa


class Base(orm.DeclarativeBase):
    """The app's own declarative base; ``db.Model`` builds on it."""


db = SQLAlchemy(model_class=Base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(80), unique=True, nullable=False)
    posts = db.relationship("Post", backref="author", lazy="dynamic")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(200), nullable=False)
    body = sa.Column(sa.Text, nullable=False, default="")
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), nullable=False)
    comments = orm.relationship(
        "Comment", backref="post", order_by="Comment.id", cascade="all, delete-orphan"
    )


class Comment(db.Model):
    __tablename__ = "comment"
    id = sa.Column(sa.Integer, primary_key=True)
    body = sa.Column(sa.Text, nullable=False)
    post_id = sa.Column(sa.Integer, sa.ForeignKey("post.id"), nullable=False)
    author_name = sa.Column(sa.String(80), nullable=False)


class AuditEntry(db.Model):
    """Who did what, kept in a separate database (the ``audit`` bind)."""

    __tablename__ = "audit_entry"
    __bind_key__ = "audit"
    id = sa.Column(sa.Integer, primary_key=True)
    action = sa.Column(sa.String(40), nullable=False)
    detail = sa.Column(sa.String(200), nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, default=_now)
