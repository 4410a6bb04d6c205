"""A Flask-Login app on fss_compat: the user loader reads ``db.session``.

Flask-Login never touches Flask-SQLAlchemy, so the import swap is all it needs.
``admin_app`` builds its admin views on this app.
"""

from __future__ import annotations

import flask_login  # type: ignore[import-untyped]  # Flask-Login 0.6 ships no py.typed
from flask import Flask

from fss_compat import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
app.config["SECRET_KEY"] = "integration tests only"
db = SQLAlchemy(app)
login_manager = flask_login.LoginManager(app)


class User(flask_login.UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


# Called, not used as a decorator: Flask-Login is untyped, and mypy --strict rejects
# untyped decorators.
login_manager.user_loader(load_user)


@app.post("/login/<int:user_id>")
def login(user_id: int) -> str:
    flask_login.login_user(db.get_or_404(User, user_id))
    return "logged in"


@app.get("/me")
def me() -> str:
    if not flask_login.current_user.is_authenticated:
        return "anonymous"
    return str(flask_login.current_user.name)
