"""Engine options from app config, with Flask-SQLAlchemy 3.1's precedence and driver defaults.

Precedence, lowest first: the constructor's ``engine_options``; ``SQLALCHEMY_BINDS[key]``;
for the default key only, constructor options + ``SQLALCHEMY_ENGINE_OPTIONS`` + the URI
(so constructor options also override ``SQLALCHEMY_BINDS[None]``, as upstream);
``SQLALCHEMY_ECHO`` where unset; driver defaults.

fss_compat's own keys (none of them changes what Flask-SQLAlchemy's keys mean):
``FSS_PGBOUNCER`` applies :func:`~fss_compat.core.pgbouncer.pgbouncer_options` to the
engines of every bind key (a mode) or of some (a dict); ``FSS_REPLICAS`` lists read
replicas per bind key, each a URL or engine options over its primary's;
``FSS_REPLICA_OPTIONS`` are the keyword arguments of each
:class:`~fss_compat.core.replicas.ReplicaSet`; ``FSS_DISPOSE_AT_FORK`` (default ``True``)
disposes of every engine in forked children (:mod:`fss_compat.core.forking`).
"""

from __future__ import annotations

import os
import typing as t

import sqlalchemy as sa
from flask import Flask

from fss_compat.core import forking
from fss_compat.core._notes import with_note
from fss_compat.core.pgbouncer import pgbouncer_options
from fss_compat.core.replicas import ReplicaSet

EngineOptions = dict[str, t.Any]

_CONFIG_DEFAULTS: dict[str, t.Any] = {
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SQLALCHEMY_ECHO": False,
    "SQLALCHEMY_BINDS": {},
}
#: A replica's connection attempt gives up after this many seconds unless its options say
#: otherwise (libpq's ``connect_timeout``; psycopg and psycopg2), so that an unreachable
#: replica costs a request at most this long before it reads from the primary.
REPLICA_CONNECT_TIMEOUT = 2
_LIBPQ = ("psycopg", "psycopg2")


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
    for bind_key, bind_options in options.items():
        bind_options.setdefault("echo", echo)
        bind_options.setdefault("echo_pool", echo)
        _apply_pgbouncer(app, bind_key, bind_options)
    return options


def _apply_pgbouncer(app: Flask, key: str | None, options: EngineOptions) -> None:
    setting = app.config.get("FSS_PGBOUNCER")
    mode = setting.get(key) if isinstance(setting, dict) else setting
    if mode:
        options.update(pgbouncer_options(options, mode))


def make_replica_sets(
    app: Flask, options: dict[str | None, EngineOptions], engines: dict[str | None, sa.Engine]
) -> dict[sa.Engine, ReplicaSet]:
    """The replica sets ``FSS_REPLICAS`` configures, by primary engine; engines are created.

    A replica's options are its primary's (without the URL), then the replica's own; a
    replica also defaults to ``pool_pre_ping`` and :data:`REPLICA_CONNECT_TIMEOUT`.

    :raises RuntimeError: for a bind key that has no engine, or a replica without a URL.
    """
    config = app.config.get("FSS_REPLICAS") or {}
    by_key = config if isinstance(config, dict) else {None: config}
    replica_sets = {}
    for key, replicas in by_key.items():
        if key not in engines:
            raise RuntimeError(
                f"'FSS_REPLICAS' names bind key {key!r}, which has no engine: add it to"
                " 'SQLALCHEMY_BINDS' (or set 'SQLALCHEMY_DATABASE_URI' for None)."
            )
        made = []
        for replica in [replicas] if isinstance(replicas, (str, sa.URL)) else replicas:
            replica_options = {k: v for k, v in options[key].items() if k != "url"}
            if isinstance(replica, (str, sa.URL)):
                replica_options["url"] = replica
            else:
                replica_options.update(replica)
            if "url" not in replica_options:
                raise RuntimeError(
                    f"A replica of bind key {key!r} in 'FSS_REPLICAS' has no 'url': {replica!r}."
                )
            replica_options.setdefault("pool_pre_ping", True)
            url = sa.make_url(replica_options["url"])
            if url.get_backend_name() == "postgresql" and url.get_driver_name() in _LIBPQ:
                # A copy: the primary's options hold the same dict.
                connect_args = dict(replica_options.get("connect_args", {}))
                if "connect_timeout" not in url.query:
                    connect_args.setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT)
                replica_options["connect_args"] = connect_args
            _apply_pgbouncer(app, key, replica_options)
            apply_driver_defaults(replica_options, app)
            made.append(make_engine(replica_options))
        set_options = app.config.get("FSS_REPLICA_OPTIONS", {})
        try:
            replica_set = ReplicaSet(engines[key], made, **set_options)
        except TypeError as e:
            raise RuntimeError(
                f"'FSS_REPLICA_OPTIONS' {set_options!r} has a key"
                f" 'ReplicaSet' does not take ({e}). Use retry_after, max_lag,"
                " lag_check_interval."
            ) from None
        replica_sets[engines[key]] = replica_set
    return replica_sets


def dispose_at_fork(app: Flask, engines: t.Iterable[sa.Engine]) -> None:
    """Dispose of ``engines`` in forked children, unless ``FSS_DISPOSE_AT_FORK`` is false."""
    # Read, not written: init_app writes the defaults of Flask-SQLAlchemy's keys only.
    if app.config.get("FSS_DISPOSE_AT_FORK", True):
        forking.dispose_at_fork(*engines)


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
