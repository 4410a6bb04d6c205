"""A small Flask-SQLAlchemy app with every shape the rules know, and its own tests, as text.

The fixed-point tests run ``migrate`` on it with many selections of rules; the agreement
test runs its tests with the usage report on (``flask_sqlalchemy`` served by fss_compat)
and compares the sites the runtime records with the scan's. It is kept as strings: it is
written against the untyped Flask-SQLAlchemy API, which mypy and ruff would otherwise check.
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    "__init__.py": "",
    "ext.py": '''\
"""The db object."""

import sqlalchemy.orm as orm
from flask_sqlalchemy import SQLAlchemy


class Base(orm.DeclarativeBase):
    """The app's own base."""


db = SQLAlchemy(model_class=Base)
relationship = db.relationship
Column = db.Column
''',
    "models.py": '''\
"""Models in every style."""

import datetime as dt

import sqlalchemy as sa
from flask_sqlalchemy.model import Model

from .ext import Column
from .ext import db
from .ext import relationship

tags = db.Table(
    "tags",
    db.Column("post_id", db.ForeignKey("post.id")),
    db.Column("tag_id", db.ForeignKey("tag.id")),
)
audit_log = db.Table("audit_log", sa.Column("id", sa.Integer), bind_key="audit")


class QueryMixin:
    @classmethod
    def by_id(cls, ident):
        return cls.query.get(ident)

    @classmethod
    def newest(cls):
        return cls.query.order_by(cls.id.desc()).first()


class User(QueryMixin, db.Model):
    id = Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), unique=True, nullable=False)
    posts = relationship("Post", backref="author", lazy="dynamic")

    def post_count(self):
        return self.posts.count()

    def reload(self):
        return type(self).query.get(self.id)

    def again(self):
        return self.query.filter_by(id=self.id).first()


class Post(db.Model):
    __tablename__ = "post"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))
    created = db.Column(db.DateTime, default=dt.datetime.now)
    author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    tags = db.relationship("Tag", secondary=tags, lazy="select")

    def __repr__(self):
        return f"<Post {self.title}>"


class Tag(db.Model):
    __tablename__ = "tag"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id"))
    user = db.relationship("User", backref=db.backref("notes", lazy="dynamic"))


class AuditEntry(db.Model):
    __bind_key__ = "audit"
    __tablename__ = "audit_entry"
    id = db.Column(db.Integer, primary_key=True)


class Legacy(Model):
    pass
''',
    "views.py": '''\
"""Views with every query shape."""

from flask import request

from . import models
from .ext import db
from .models import Post
from .models import Tag
from .models import User


def show_user(name):
    user = User.query.filter_by(name=name).first_or_404(description="No user")
    page = user.posts.order_by(Post.id.desc()).paginate(per_page=5)
    other = user.posts.distinct().paginate(page=1, per_page=5)
    top = user.posts.group_by(Post.id).first_or_404()
    return user, page, other, top


def show_post(post_id):
    post = Post.query.get_or_404(post_id)
    again = db.get_or_404(Post, post_id)
    first = db.first_or_404(db.select(Post).filter_by(id=post_id))
    return post, again, first


def lists():
    everyone = User.query.order_by(User.name).all()
    one = User.query.filter(User.id == 1).one()
    maybe = User.query.where(User.id == 2).one_or_none()
    joined = User.query.join(User.posts).filter(Post.title != "").all()
    count = Post.query.filter(Post.title.like("%a%")).count()
    pages = Post.query.order_by(Post.id).paginate(page=1, per_page=20)
    unread = Post.query.paginate()
    exact = Tag.query.filter_by(name="x").one_or_404()
    fetched = models.User.query.get(1)
    session_page = db.session.query(Post).order_by(Post.id).paginate(page=1, per_page=3)
    plain = db.session.query(Post).all()
    return everyone, one, maybe, joined, count, pages, unread, exact, fetched, session_page, plain


def built(tag):
    q = Post.query
    if tag:
        q = q.filter(Post.tags.any(Tag.name == tag))
    return q.all()


def _newest_first(q):
    return q.order_by(Post.id.desc())


def _named(name):
    return User.query.filter_by(name=name)


def through_helpers(name):
    newest = _newest_first(Post.query).first()
    names = [user.name for user in _named(name)]
    tagged = _newest_first(Post.query.join(Post.tags)).paginate(page=1, per_page=5)
    return newest, names, tagged


class Feed:
    def __init__(self):
        self.recent = Post.query.order_by(Post.id)

    def items(self):
        return self.recent.all()


def odd():
    rows = User.query.with_entities(User.id).all()
    by_getattr = getattr(User, "query").all()
    engine = db.get_engine()
    audit = db.get_engine("audit")
    listed = db.paginate(db.select(User), page=1, per_page=10)
    requested = db.paginate(db.select(User), per_page=int(request.args.get("n", 5)))
    return rows, by_getattr, engine, audit, listed, requested
''',
    "app.py": '''\
"""The app factory."""

from flask import Flask

from .config import SETTINGS
from .config import Config
from .ext import db


def create_app(uri, audit_uri):
    app = Flask(__name__)
    app.config.from_object(Config)
    app.config.update(SETTINGS)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_BINDS"] = {"audit": audit_uri}
    db.init_app(app)
    return app
''',
    "test_corpus.py": '''\
"""Every function of the app, run once."""

import pytest

from . import extras
from . import views
from .app import create_app
from .ext import db
from .models import AuditEntry
from .models import Note
from .models import Post
from .models import Tag
from .models import User


@pytest.fixture
def app(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'main.db'}", f"sqlite:///{tmp_path / 'audit.db'}")
    with app.app_context():
        db.create_all()
        user = User(name="ann")
        post = Post(title="about", author=user)
        post.tags.append(Tag(name="x"))
        db.session.add_all([user, post, Note(user_id=1), AuditEntry()])
        db.session.commit()
    return app


def test_views(app):
    with app.test_request_context("/?page=1&n=3"):
        views.show_user("ann")
        views.show_post(1)
        views.lists()
        views.built("x")
        views.through_helpers("ann")
        views.Feed().items()
        views.odd()


def test_models(app):
    with app.app_context():
        user = User.by_id(1)
        assert User.newest() is user
        assert user.post_count() == 1
        assert user.reload() is user
        assert user.again() is user
        assert extras.slow() == []
''',
    "config.py": '''\
"""Configuration."""


class Config:
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_RECORD_QUERIES = True
    SQLALCHEMY_TRACK_MODIFICATIONS = False


SETTINGS = {"SQLALCHEMY_TRACK_MODIFICATIONS": True}
''',
    "extras.py": '''\
"""Recorded queries and signals."""

import flask_sqlalchemy
from flask_sqlalchemy.record_queries import get_recorded_queries
from flask_sqlalchemy.track_modifications import models_committed


def slow():
    return [q for q in get_recorded_queries() if q.duration > 1]


def on_commit(sender, changes):
    return changes


models_committed.connect(on_commit)
version = flask_sqlalchemy.SQLAlchemy
''',
}


def write(folder: Path) -> Path:
    """Write the corpus as the package ``folder``; return ``folder``."""
    folder.mkdir(parents=True)
    for name, source in FILES.items():
        (folder / name).write_text(source, encoding="utf-8")
    return folder
