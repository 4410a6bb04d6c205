"""A Flask-Migrate app on fss_compat: one database, models on a ``DeclarativeBase``.

Run as ``flask --app tests.integration.migrate_app db ...`` with ``FSS_TEST_DATABASE_URL``
set. Apart from the ``SQLAlchemy`` import it is a plain Flask-SQLAlchemy 3.1 app.
"""

from __future__ import annotations

import os

import flask_migrate  # type: ignore[import-untyped]  # Flask-Migrate 4.1 ships no py.typed
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import Mapped

from fss_compat import SQLAlchemy


class Base(orm.DeclarativeBase):
    pass


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FSS_TEST_DATABASE_URL"]
db = SQLAlchemy(app, model_class=Base)
migrate = flask_migrate.Migrate(app, db)


class Author(db.Model):
    id: Mapped[int] = orm.mapped_column(primary_key=True)
    name: Mapped[str] = orm.mapped_column(sa.String(50), index=True)


class Post(db.Model):
    id: Mapped[int] = orm.mapped_column(primary_key=True)
    title: Mapped[str] = orm.mapped_column(sa.String(200))
    author_id: Mapped[int] = orm.mapped_column(sa.ForeignKey("author.id"))
