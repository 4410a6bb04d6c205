"""What the load and fault tests share: the example blog on real databases, and its checks.

The blog (``examples/blog``) is served as it is; tests add the routes they need to their
own app instance. Its ``db`` is one module-level object, so each check here looks only at
the engines and sessions of the app it is given.
"""

from __future__ import annotations

import copy
import typing as t

import sqlalchemy as sa
from flask import Flask

from examples.blog import create_app
from examples.blog.models import db
from tests._support.postgresql import Database

#: The seed: this many users (writer1, writer2, ...) with this many posts each.
WRITERS = 3
POSTS_PER_WRITER = 12


def make_blog(database: Database, engine_options: dict[str, t.Any] | None = None) -> Flask:
    """The blog on ``database`` (its bind URL for the audit bind), seeded, 500s as responses.

    :param engine_options: options for both engines. ``SQLALCHEMY_ENGINE_OPTIONS`` only
        applies to the default one, so the audit bind gets them in ``SQLALCHEMY_BINDS``.
    """
    options = copy.deepcopy(engine_options or {})
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SQLALCHEMY_BINDS": {"audit": {**copy.deepcopy(options), "url": database.bind_url}},
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    runner = app.test_cli_runner()
    for _ in range(WRITERS):
        result = runner.invoke(args=["seed", "--posts", str(POSTS_PER_WRITER)])
        assert result.exit_code == 0, result.output
    return app


def engines(app: Flask) -> dict[str | None, sa.engine.Engine]:
    """The app's engines by bind key."""
    with app.app_context():
        return dict(db.engines)


def checked_out(app: Flask) -> dict[str | None, int]:
    """Connections each of the app's engines has handed out and not got back."""
    counts = {}
    for key, engine in engines(app).items():
        pool = engine.pool
        assert isinstance(pool, sa.pool.QueuePool), pool
        counts[key] = pool.checkedout()
    return counts


def sessions_of(app: Flask) -> list[object]:
    """The app contexts of ``app`` that still have a session in ``db.session``'s registry."""
    registry = db.session.registry
    assert isinstance(registry, sa.util.ScopedRegistry), registry
    return [scope for scope in list(registry.registry) if getattr(scope, "app", None) is app]


def dispose(app: Flask) -> None:
    """Close every pooled connection of the app's engines."""
    for engine in engines(app).values():
        engine.dispose()
