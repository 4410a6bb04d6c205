"""Flask-Admin model views on fss_compat, behind ``login_app``'s Flask-Login users.

Flask-Admin 2.x imports ``flask_sqlalchemy`` when ``flask_admin.contrib.sqla`` is first
imported (its type aliases need it, and ``ModelView(Model, db)`` is recognised by
``isinstance(db, flask_sqlalchemy.SQLAlchemy)``), so ``fss_compat.alias.install()`` must come
before this module is imported.
"""

from __future__ import annotations

import flask_admin  # type: ignore[import-untyped]  # Flask-Admin 2.2 ships no py.typed
import flask_login  # type: ignore[import-untyped]  # Flask-Login 0.6 ships no py.typed
from flask_admin.contrib.sqla import ModelView  # type: ignore[import-untyped]  # as above

from tests.integration.login_app import app
from tests.integration.login_app import db


class Author(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)


class LoggedInModelView(ModelView):
    def is_accessible(self) -> bool:
        return bool(flask_login.current_user.is_authenticated)


admin = flask_admin.Admin(app, name="Back office")
admin.add_view(LoggedInModelView(Author, db))
