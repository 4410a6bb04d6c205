"""The tiny Flask-SQLAlchemy app and suite the plugin's tests run, with and without
``--fss-compat``; the scan-and-runtime agreement test runs it too.
"""

from __future__ import annotations

APP = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.model import Model

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    return app
"""

TESTS = """
import flask_sqlalchemy
import pytest

from app import User, create_app, db


@pytest.fixture
def app():
    app = create_app()
    with app.app_context():
        db.create_all()
        yield app


def test_add_and_query(app):
    db.session.add(User(name="ada"))
    db.session.commit()
    assert User.query.filter_by(name="ada").one().id == 1
    assert User.__tablename__ == "user"


def test_served_by(app, request):
    served = flask_sqlalchemy.SQLAlchemy.__module__
    expected = "fss_compat" if request.config.getoption("fss_compat") else "flask_sqlalchemy"
    assert served.startswith(expected)
"""
