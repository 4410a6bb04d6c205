"""A flask-marshmallow app on fss_compat, for an interpreter without Flask-SQLAlchemy.

flask-marshmallow offers ``ma.SQLAlchemySchema`` and ``ma.SQLAlchemyAutoSchema`` (wired to
``db.session``) only if ``import flask_sqlalchemy`` worked when it was first imported. So
``fss_compat.alias.install()``, or ``pytest --fss-compat``, must come before this module is
imported; without it the schema classes below fail with ``AttributeError``.
"""

from __future__ import annotations

from flask import Flask
from flask_marshmallow import Marshmallow
from marshmallow_sqlalchemy import auto_field

from fss_compat import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = SQLAlchemy(app)
ma = Marshmallow(app)  # after SQLAlchemy(app), as flask-marshmallow requires


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    author_id = db.Column(db.ForeignKey("author.id"), nullable=False)
    author = db.relationship(Author)


class AuthorSchema(ma.SQLAlchemyAutoSchema):
    class Meta:
        model = Author
        load_instance = True


class BookSchema(ma.SQLAlchemySchema):
    class Meta:
        model = Book
        load_instance = True

    id = auto_field(dump_only=True)
    title = auto_field()
    author = auto_field()
