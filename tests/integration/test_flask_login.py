"""Flask-Login's user loader on fss_compat's ``db.session``, with Flask-SQLAlchemy blocked."""

from __future__ import annotations

import json

from tests._support.blocked import Blocked


def test_user_loader_reads_db_session(blocked: Blocked) -> None:
    """Each request loads the logged-in user with ``db.session.get``; the import swap suffices."""
    out = blocked.code(
        """
        import json
        import sys

        from tests.integration.login_app import User, app, db

        with app.app_context():
            db.create_all()
            db.session.add(User(name="ada"))
            db.session.commit()
        client = app.test_client()
        seen = [
            client.get("/me").text,
            client.post("/login/1").status_code,
            client.get("/me").text,
            client.post("/login/2").status_code,
            sorted(name for name in sys.modules if name.startswith("flask_sqlalchemy")),
        ]
        print(json.dumps(seen))
        """,
        alias=False,
    )
    assert json.loads(out) == ["anonymous", 200, "ada", 404, []]
