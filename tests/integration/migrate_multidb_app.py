"""A Flask-Migrate app on fss_compat with two databases (``flask db init --multidb``).

Run as ``flask --app tests.integration.migrate_multidb_app db ...`` with
``FSS_TEST_DATABASE_URL`` and ``FSS_TEST_BIND_URL`` set. Models use the 3.0-era
``db.Column`` style; ``Account`` lives in the ``accounts`` bind.
"""

from __future__ import annotations

import os

import flask_migrate  # type: ignore[import-untyped]  # Flask-Migrate 4.1 ships no py.typed
from flask import Flask

from fss_compat import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FSS_TEST_DATABASE_URL"]
app.config["SQLALCHEMY_BINDS"] = {"accounts": os.environ["FSS_TEST_BIND_URL"]}
db = SQLAlchemy(app)
migrate = flask_migrate.Migrate(app, db)


class Account(db.Model):
    __bind_key__ = "accounts"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120), unique=True, nullable=False)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    account_id = db.Column(db.Integer, nullable=False, index=True)
