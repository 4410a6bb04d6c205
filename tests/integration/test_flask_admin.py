"""Flask-Admin's ``ModelView`` on fss_compat: with Flask-SQLAlchemy blocked, and beside it."""

from __future__ import annotations

import json

import flask_admin  # type: ignore[import-untyped]  # Flask-Admin 2.2 ships no py.typed
from flask import Flask
from flask_admin.contrib.sqla import ModelView  # type: ignore[import-untyped]  # as above

import fss_compat
from tests._support.blocked import Blocked


def test_model_view_lists_creates_edits_deletes(blocked: Blocked) -> None:
    """With the alias installed first, ``ModelView(Author, db)`` works through ``db.session``."""
    out = blocked.code(
        """
        import json

        from tests.integration.admin_app import Author, app, db
        from tests.integration.login_app import User

        with app.app_context():
            db.create_all()
            db.session.add_all([User(name="ada"), Author(name="Ann")])
            db.session.commit()
        client = app.test_client()
        seen = {"anonymous": client.get("/admin/author/").status_code}
        client.post("/login/1")
        listing = client.get("/admin/author/")
        seen["list"] = [listing.status_code, "Ann" in listing.text]
        seen["create_form"] = client.get("/admin/author/new/").status_code
        seen["create"] = client.post("/admin/author/new/", data={"name": "Bob"}).status_code
        seen["edit"] = client.post("/admin/author/edit/?id=1", data={"name": "Anne"}).status_code
        with app.app_context():
            names = db.select(Author.name).order_by(Author.id)
            seen["after_edit"] = db.session.scalars(names).all()
        seen["delete"] = client.post("/admin/author/delete/", data={"id": "2"}).status_code
        with app.app_context():
            seen["after_delete"] = db.session.scalars(db.select(Author.name)).all()
        print(json.dumps(seen))
        """,
        alias=True,
    )
    assert json.loads(out) == {
        "anonymous": 403,
        "list": [200, True],
        "create_form": 200,
        "create": 302,
        "edit": 302,
        "after_edit": ["Anne", "Bob"],
        "delete": 302,
        "after_delete": ["Anne"],
    }


def test_without_alias_contrib_sqla_does_not_import(blocked: Blocked) -> None:
    """Flask-Admin 2.2's ``contrib.sqla`` fails to import without ``flask_sqlalchemy``.

    If a later Flask-Admin imports without it, ``ModelView(Model, db)`` would still not
    recognise the ``db`` object (an ``isinstance`` check), so the alias stays required;
    update this test and ``docs/extensions.md`` then.
    """
    result = blocked.run("-c", "import tests.integration.admin_app")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("ImportError: cannot import name")


def test_import_swap_alone_is_not_enough_while_installed(app: Flask) -> None:
    """With the real package still installed, ``ModelView(Model, db)`` fails without the alias.

    Flask-Admin recognises ``db`` with ``isinstance(db, flask_sqlalchemy.SQLAlchemy)``; for
    fss_compat's ``db`` that is false, so Flask-Admin treats ``db`` as the session itself.
    """
    db = fss_compat.SQLAlchemy(app)

    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    flask_admin.Admin(app).add_view(ModelView(Author, db))
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/admin/author/").status_code == 500
