"""Engine options from app config, with Flask-SQLAlchemy 3.1's precedence and driver defaults.

Precedence, lowest first: the constructor's ``engine_options``; ``SQLALCHEMY_BINDS[key]``;
for the default key only, constructor options + ``SQLALCHEMY_ENGINE_OPTIONS`` + the URI
(so constructor options also override ``SQLALCHEMY_BINDS[None]``, as upstream);
``SQLALCHEMY_ECHO`` where unset; driver defaults.
"""

from __future__ import annotations

import os
import typing as t

import sqlalchemy as sa
from flask import Flask

from fss_compat.core._notes import with_note

EngineOptions = dict[str, t.Any]

_CONFIG_DEFAULTS: dict[str, t.Any] = {
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SQLALCHEMY_ECHO": False,
    "SQLALCHEMY_BINDS": {},
}


def options_from_config(app: Flask, defaults: EngineOptions) -> dict[str | None, EngineOptions]:
    """Build the engine options per bind key from ``app.config``, setting missing keys.

    :raises RuntimeError: when neither a database URI nor binds are configured.
    """
    config = app.config
    for key, value in _CONFIG_DEFAULTS.items():
        # Fresh containers each time: setdefault stores the very object in app.config.
        config.setdefault(key, value.copy() if isinstance(value, dict) else value)
    options: dict[str | None, EngineOptions] = {}
    for key, value in config["SQLALCHEMY_BINDS"].items():
        options[key] = defaults.copy()
        if isinstance(value, (str, sa.engine.URL)):
            options[key]["url"] = value
        else:
            options[key].update(value)
    basic = {**defaults, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if config["SQLALCHEMY_DATABASE_URI"] is not None:
        basic["url"] = config["SQLALCHEMY_DATABASE_URI"]
    if "url" in basic:
        options.setdefault(None, {}).update(basic)
    if not options:
        raise with_note(
            RuntimeError("Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set."),
            f"fss_compat: set it in the config of {app!r} before 'init_app', for example"
            " app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///project.db'.",
        )
    echo = config["SQLALCHEMY_ECHO"]
    for bind_options in options.values():
        bind_options.setdefault("echo", echo)
        bind_options.setdefault("echo_pool", echo)
    return options


def apply_driver_defaults(options: EngineOptions, app: Flask) -> None:
    """Apply Flask-SQLAlchemy's SQLite and MySQL defaults to ``options`` in place.

    In-memory SQLite shares one connection (``StaticPool``, any thread) so every session
    sees the same database; a relative SQLite path lives in ``app.instance_path``, which is
    created; MySQL gets ``charset=utf8mb4`` and ``pool_recycle=7200``.
    """
    url = sa.engine.make_url(options["url"])
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        if url.database in {None, "", ":memory:"}:
            options["poolclass"] = sa.pool.StaticPool
            options["connect_args"] = {
                **options.get("connect_args", {}),
                "check_same_thread": False,
            }
            return
        assert url.database is not None
        is_uri = bool(url.query.get("uri", False))
        # A "file:" URI keeps its prefix; upstream also rewrites "file::memory:" this way.
        path = url.database[5:] if is_uri else url.database
        if not os.path.isabs(path):
            os.makedirs(app.instance_path, exist_ok=True)
            path = os.path.join(app.instance_path, path)
            options["url"] = url.set(database=f"file:{path}" if is_uri else path)
    elif url.drivername.startswith("mysql"):
        # Upstream reads "pool_class" (not SQLAlchemy's "poolclass"), so in practice the
        # recycle default always applies; kept for parity.
        if options.get("pool_class", sa.pool.QueuePool) is sa.pool.QueuePool:
            options.setdefault("pool_recycle", 7200)
        if "charset" not in url.query:
            options["url"] = url.update_query_dict({"charset": "utf8mb4"})


def make_engine(options: EngineOptions) -> sa.engine.Engine:
    """Create the engine; ``engine_from_config`` coerces string values as upstream does."""
    return sa.engine_from_config(options, prefix="")
