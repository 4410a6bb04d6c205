"""The example's own tests: they run unchanged on every migration stage of the app.

The app is created and seeded once per module. Each test runs in fss_compat's per-test
isolation (the ``fss_isolation`` fixture of its pytest plugin, on Flask-SQLAlchemy too):
what it writes, in both databases, is rolled back at its end.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from examples.blog import create_app
from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db
from fss_compat.testing import Isolation


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The blog on SQLite files in a temporary folder, seeded with one user and 12 posts."""
    folder = tmp_path_factory.mktemp("blog")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'blog.db'}",
            "SQLALCHEMY_BINDS": {"audit": f"sqlite:///{folder / 'audit.db'}"},
        }
    )
    result = app.test_cli_runner().invoke(args=["seed", "--posts", "12"])
    assert "Created 12 posts by writer1." in result.output
    yield app
    for bind in (None, "audit"):
        db.get_engine(app, bind).dispose()


@pytest.fixture
def client(app: Flask, fss_isolation: Isolation) -> FlaskClient:
    """A test client; what the test writes is rolled back at its end (``fss_isolation``)."""
    return app.test_client()


def test_index_paginates_newest_first(client: FlaskClient) -> None:
    """The index shows 5 posts per page, newest first, with page links from iter_pages."""
    page = client.get("/").get_data(as_text=True)
    assert "Post 12" in page and "Post 8" in page and "Post 7" not in page
    assert "<strong>1</strong>" in page and "?page=2" in page and "?page=3" in page
    assert "1-5 of 12" in page
    last = client.get("/?page=3").get_data(as_text=True)
    assert "Post 2" in last and "Post 1<" in last and "11-12 of 12" in last


def test_index_page_past_end_is_404(client: FlaskClient) -> None:
    """A page number past the last page, or not a number, is a 404."""
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=x").status_code == 404


def _link(page: str, rel: str) -> str | None:
    """The href of the page's ``<a rel=...>`` link, or None."""
    found = re.search(f'<a rel={rel} href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def test_archive_pages_with_cursors(client: FlaskClient) -> None:
    """The archive pages newest first through signed cursors; a tampered cursor is a 404."""
    first = client.get("/archive").get_data(as_text=True)
    assert ">Post 12<" in first and ">Post 8<" in first and ">Post 7<" not in first
    assert _link(first, "prev") is None
    older = _link(first, "next")
    assert older is not None and older.startswith("/archive?cursor=")
    second = client.get(older).get_data(as_text=True)
    assert ">Post 7<" in second and ">Post 3<" in second and ">Post 8<" not in second
    last = client.get(_link(second, "next") or "").get_data(as_text=True)
    assert ">Post 2<" in last and ">Post 1<" in last and _link(last, "next") is None
    back = client.get(_link(second, "prev") or "").get_data(as_text=True)
    assert back.split("<ul>")[1] == first.split("<ul>")[1]
    assert client.get(older[:-2]).status_code == 404
    assert client.get("/archive?cursor=forged").status_code == 404


def test_post_page_and_missing_post(client: FlaskClient) -> None:
    """A post shows its comments; a missing post is a 404 with its description."""
    page = client.get("/posts/1").get_data(as_text=True)
    assert "<h1>Post 1</h1>" in page and "reader: First!" in page
    missing = client.get("/posts/999")
    assert missing.status_code == 404 and "No post 999." in missing.get_data(as_text=True)


def test_user_page_uses_dynamic_relationship(client: FlaskClient) -> None:
    """A user's page paginates their posts; an unknown user is a 404."""
    page = client.get("/users/writer1").get_data(as_text=True)
    assert "Post 12" in page and "1-5 of 12" in page
    assert "/users/writer1?page=2" in page
    assert client.get("/users/nobody").status_code == 404


def test_create_post_writes_audit_to_second_database(
    client: FlaskClient, fss_isolation: Isolation
) -> None:
    """Creating a post commits it and an audit entry that lands in the audit database."""
    response = client.post("/posts", data={"author": "writer1", "title": "New", "body": "Hi"})
    assert response.status_code == 302 and response.location.endswith("/posts/13")
    assert client.post("/posts", data={"author": "ghost", "title": "x"}).status_code == 404
    # The test's own connection to each database file, which sees what the app committed.
    files = {Path(str(e.url.database)).name: c for e, c in fss_isolation.connections.items()}
    actions = files["audit.db"].execute(sa.text("SELECT action FROM audit_entry ORDER BY id"))
    assert actions.scalars().all() == ["seed", "create_post"]
    assert not sa.inspect(files["blog.db"]).has_table("audit_entry")
    assert client.get("/audit").json == {
        "entries": ["seed: 12 posts by writer1", "create_post: post 13 by writer1"]
    }


def test_comment_needs_body(client: FlaskClient) -> None:
    """A comment is added to its post; an empty one is a 400 and nothing is written."""
    assert (
        client.post("/posts/2/comments", data={"body": "Nice", "author": "ann"}).status_code == 302
    )
    assert "ann: Nice" in client.get("/posts/2").get_data(as_text=True)
    assert client.post("/posts/2/comments", data={"body": " "}).status_code == 400
    assert client.post("/posts/99/comments", data={"body": "x"}).status_code == 404


def test_models_outside_flask(app: Flask) -> None:
    """Scripts use the same models through a plain session on the app's engine."""
    with app.app_context():
        engine = db.engine
    with sa.orm.Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == 12
        assert session.scalars(sa.select(User.name)).all() == ["writer1"]
