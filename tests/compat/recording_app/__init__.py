"""A small app package for the recording tests: its import name decides query locations.

The app is named after this module, so its top-level package is ``tests``: a query is
located at the innermost frame of any ``tests.*`` module, here or in a test.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask


def create_app(url: str, instance_path: str) -> Flask:
    """A Flask app named after this package, on ``url``, with query recording on."""
    app = Flask(__name__, instance_path=instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    return app


def select_one(db: t.Any) -> None:
    """Run ``SELECT 1`` through ``db.session``."""
    db.session.execute(sa.text("SELECT 1"))
