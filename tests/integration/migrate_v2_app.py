"""A Flask-Migrate app written for Flask-SQLAlchemy 2.x, on fss_compat's 2.5 level.

Run as ``flask --app tests.integration.migrate_v2_app db ...`` with ``FSS_TEST_DATABASE_URL``
(and for ``multidb`` in the argument list of the test, ``FSS_TEST_BIND_URL``) set. The db is
``fss_compat.shims_v2.SQLAlchemy``; Flask-Migrate's templates find it through their 2.x paths
(``db.get_engine()``, ``db.metadata`` and ``Table.info["bind_key"]``).
"""

from __future__ import annotations

import os

import flask_migrate  # type: ignore[import-untyped]  # Flask-Migrate 4.1 ships no py.typed
from flask import Flask

from fss_compat.shims_v2 import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FSS_TEST_DATABASE_URL"]
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
if "FSS_TEST_BIND_URL" in os.environ:
    app.config["SQLALCHEMY_BINDS"] = {"accounts": os.environ["FSS_TEST_BIND_URL"]}
db = SQLAlchemy(app)
migrate = flask_migrate.Migrate(app, db)


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), unique=True, nullable=False)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("author.id"), nullable=False)


if "FSS_TEST_BIND_URL" in os.environ:

    class Account(db.Model):
        __bind_key__ = "accounts"
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(120), unique=True, nullable=False)
