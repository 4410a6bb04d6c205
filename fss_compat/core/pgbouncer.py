"""Engine options for PostgreSQL behind PgBouncer, and a check of the ones that break there.

In PgBouncer's ``transaction`` pool mode each transaction of a client may run on a
different server connection, so nothing may outlive a transaction on the server:

* psycopg 3 prepares a statement on the server after it ran ``prepare_threshold`` (5)
  times; the next transaction may land on a server connection that lacks it ("prepared
  statement "_pg3_0" does not exist") or already has one of that name. PgBouncer before
  1.21 cannot track them, so ``prepare_threshold=None`` (never prepare) is set.
* the ``options`` startup parameter (``-c statement_timeout=...``) is refused by PgBouncer
  ("unsupported startup parameter"), and with ``ignore_startup_parameters`` silently
  dropped: set such parameters per role or database on the server instead
  (``ALTER ROLE app SET statement_timeout = '5s'``).
* a connection must come back to the pool with its transaction ended:
  ``pool_reset_on_return=None`` would keep a server connection busy in an open transaction.

The pool: SQLAlchemy's default ``QueuePool`` stays (connections to PgBouncer are cheap to
keep, and ``benchmarks/scaling.py`` measures it against ``NullPool``), with
``pool_pre_ping`` on, so that a connection PgBouncer closed (its ``client_idle_timeout``, a
restart) is replaced before use instead of failing a request. ``session`` mode keeps
connections as PostgreSQL would, and needs only the pre-ping; ``statement`` mode allows
no transaction of more than one statement, which a :class:`~sqlalchemy.orm.Session` needs.

This module imports only SQLAlchemy; nothing else of fss_compat imports it but the facade.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Mapping

import sqlalchemy as sa

__all__ = ["POOL_MODES", "PgBouncerWarning", "check_pgbouncer_options", "pgbouncer_options"]

#: The PgBouncer pool modes :func:`pgbouncer_options` accepts.
POOL_MODES = ("transaction", "session")
_DRIVERS = ("psycopg", "psycopg2")


class PgBouncerWarning(UserWarning):
    """Engine options that work behind PgBouncer only with settings it cannot see.

    .. versionadded:: 0.1.0
    """


def pgbouncer_options(
    options: Mapping[str, t.Any], pool_mode: str = "transaction"
) -> dict[str, t.Any]:
    """Return ``options`` (with ``"url"``) with PgBouncer's settings applied, after checking them.

    ``sa.create_engine(**pgbouncer_options({"url": url}))`` creates an engine that works
    behind PgBouncer in ``pool_mode``; the module docstring says what is set and why.
    Options already given are kept, unless they are known to break (then it raises).

    :param options: engine options, the URL under ``"url"``.
    :param pool_mode: PgBouncer's ``pool_mode`` for the database: ``"transaction"`` or
        ``"session"``.
    :raises ValueError: for an unknown mode, a URL that is not PostgreSQL through psycopg
        or psycopg2, or options that break in that mode.

    .. versionadded:: 0.1.0
    """
    result = dict(options)
    url = _checked_url(result, pool_mode)
    result.setdefault("pool_pre_ping", True)
    if pool_mode == "transaction" and url.get_driver_name() == "psycopg":
        connect_args = dict(result.get("connect_args", {}))
        connect_args.setdefault("prepare_threshold", None)
        result["connect_args"] = connect_args
    check_pgbouncer_options(result, pool_mode)
    return result


def check_pgbouncer_options(options: Mapping[str, t.Any], pool_mode: str = "transaction") -> None:
    """Raise for engine options known to break behind PgBouncer; warn for doubtful ones.

    :param options: engine options, the URL under ``"url"``.
    :param pool_mode: ``"transaction"`` or ``"session"``.
    :raises ValueError: for a known-bad combination; the message says what to change.
    :warns PgBouncerWarning: for psycopg server-side prepared statements in transaction
        mode, which only PgBouncer 1.21 and later with ``max_prepared_statements`` allow.

    .. versionadded:: 0.1.0
    """
    url = _checked_url(options, pool_mode)
    if pool_mode != "transaction":
        return
    if "pool_reset_on_return" in options and options["pool_reset_on_return"] in (None, False):
        raise ValueError(
            f"pool_reset_on_return={options['pool_reset_on_return']!r} returns connections"
            " with their transaction open; behind PgBouncer in transaction mode that keeps a"
            " server connection busy. Leave 'pool_reset_on_return' at its default ('rollback')."
        )
    connect_args = options.get("connect_args", {})
    if "options" in connect_args or "options" in url.query:
        value = connect_args.get("options", url.query.get("options"))
        raise ValueError(
            f"The 'options' startup parameter ({value!r})"
            " is refused by PgBouncer, or dropped without notice with"
            " 'ignore_startup_parameters'. Set these parameters on the server instead, per"
            " role or database: ALTER ROLE <user> SET statement_timeout = '5s'."
        )
    threshold = connect_args.get("prepare_threshold", 5)
    if url.get_driver_name() == "psycopg" and threshold is not None:
        warnings.warn(
            f"prepare_threshold={threshold!r} makes psycopg prepare statements on the server,"
            " which fails behind PgBouncer in transaction mode before version 1.21 ('prepared"
            " statement ... does not exist'), and from 1.21 on only works with"
            " 'max_prepared_statements' set. Use prepare_threshold=None unless you set that.",
            PgBouncerWarning,
            stacklevel=3,
        )


def _checked_url(options: Mapping[str, t.Any], pool_mode: str) -> sa.engine.URL:
    if pool_mode not in POOL_MODES:
        raise ValueError(
            f"PgBouncer pool mode {pool_mode!r} is not supported. Use one of {POOL_MODES!r};"
            " 'statement' mode cannot run a Session's multi-statement transactions."
        )
    if "url" not in options:
        raise ValueError(f"The engine options {dict(options)!r} have no 'url'. Add it.")
    url = sa.engine.make_url(options["url"])
    if url.get_backend_name() != "postgresql" or url.get_driver_name() not in _DRIVERS:
        raise ValueError(
            f"{url.render_as_string()!r} is not a PostgreSQL URL for psycopg or psycopg2, the"
            " drivers whose settings behind PgBouncer fss_compat knows. Use"
            " 'postgresql+psycopg://...' or 'postgresql+psycopg2://...'."
        )
    return url
