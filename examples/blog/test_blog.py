"""The example's own tests."""

from __future__ import annotations

from pathlib import Path

from examples.blog import create_app
from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db


def test_index_lists_posts(tmp_path: Path) -> None:
    """Posts added in one app context show on the index page."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blog.db'}"})
    with app.app_context():
        user = User(name="ada")
        db.session.add(Post(title="Hello", author=user))
        db.session.commit()
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert b"Hello by ada" in response.data
