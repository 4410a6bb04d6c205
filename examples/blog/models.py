"""The blog's models, written the Flask-SQLAlchemy way."""

from __future__ import annotations

import datetime as dt

import sqlalchemy.orm as orm
from fss_compat import SQLAlchemy


class Base(orm.DeclarativeBase):
    """The app's own declarative base; ``db.Model`` builds on it."""


db = SQLAlchemy(model_class=Base)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), unique=True, nullable=False)
    posts = db.relationship("Post", backref="author", lazy="dynamic")


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    created = db.Column(db.DateTime, nullable=False, default=_now)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    comments = db.relationship(
        "Comment", backref="post", order_by="Comment.id", cascade="all, delete-orphan"
    )


class Comment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text, nullable=False)
    post_id = db.Column(db.Integer, db.ForeignKey("post.id"), nullable=False)
    author_name = db.Column(db.String(80), nullable=False)


class AuditEntry(db.Model):
    """Who did what, kept in a separate database (the ``audit`` bind)."""

    __bind_key__ = "audit"
    id = db.Column(db.Integer, primary_key=True)
    action = db.Column(db.String(40), nullable=False)
    detail = db.Column(db.String(200), nullable=False)
    at = db.Column(db.DateTime, nullable=False, default=_now)
