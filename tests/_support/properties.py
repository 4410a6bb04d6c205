"""What every property test shares: both sides, their apps and databases, and outcomes.

A property builds both sides inside each example with :func:`side`, runs the same
scenario on each, turns what it saw into :class:`Outcome` values with :func:`observe`
and asserts they are equal. Strategies live in ``strategies.py``, not here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import typing as t
import warnings
from collections.abc import Callable
from collections.abc import Iterator

import hypothesis
import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import HTTPException

from tests._support.implementations import IMPLEMENTATIONS
from tests._support.implementations import Impl
from tests._support.postgresql import Database
from tests._support.postgresql import Server

#: Flask-SQLAlchemy first, then fss_compat: outcomes are compared in this order.
IMPLS = tuple(Impl(name) for name in IMPLEMENTATIONS)

#: A context manager giving a fresh database pair, emptied when it exits.
Databases = Callable[[], t.ContextManager[Database]]


def scaled_settings(factor: float) -> hypothesis.settings:
    """The loaded profile with ``factor`` times its examples (at least 5).

    Properties whose examples are expensive (PostgreSQL) run fewer, cheap ones more;
    whatever the factor, "thorough" runs 20 times as many as "ci".
    """
    return hypothesis.settings(
        max_examples=max(5, round(hypothesis.settings().max_examples * factor))
    )


def postgresql_settings() -> hypothesis.settings:
    """A fifth of the profile's examples: each creates and drops tables in real databases."""
    return scaled_settings(1 / 5)


@contextlib.contextmanager
def sqlite_databases() -> Iterator[Database]:
    """Two in-memory SQLite URLs: every engine made from them is a new empty database."""
    yield Database(url="sqlite://", bind_url="sqlite://")


def postgresql_databases(server: Server) -> Databases:
    """A :data:`Databases` on the test server: a fresh pair, reset and pooled on exit."""

    @contextlib.contextmanager
    def databases() -> Iterator[Database]:
        database = server.fresh_databases()
        try:
            yield database
        finally:
            server.reset(database)

    return databases


@contextlib.contextmanager
def side(
    impl: Impl,
    database: Database,
    *,
    binds: bool = False,
    config: dict[str, t.Any] | None = None,
    **kwargs: t.Any,
) -> Iterator[tuple[Flask, t.Any]]:
    """A new app and ``SQLAlchemy(app, **kwargs)`` of ``impl`` on ``database``.

    :param binds: also configure the bind key ``"other"`` on ``database.bind_url``.
    :param config: more app config, set before ``init_app``.

    Engines are disposed on exit, so PostgreSQL databases can be reset.
    """
    app = Flask(f"fss_property_{impl.name}")
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    if binds:
        app.config["SQLALCHEMY_BINDS"] = {"other": database.bind_url}
    app.config.update(config or {})
    db = impl.SQLAlchemy(app, **kwargs)
    try:
        yield app, db
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one call did, as plain values: its result or its exception, and its warnings.

    ``message`` is shown in assertion diffs but not compared: the wording is fss_compat's
    own, only the exception type (and a 404's code and description) must match.
    """

    value: object = None
    raised: type[BaseException] | None = None
    http: tuple[int | None, str | None] | None = None
    warned: tuple[type[Warning], ...] = ()
    message: str = dataclasses.field(default="", compare=False)


def observe(call: Callable[[], object]) -> Outcome:
    """Run ``call`` and describe what happened; ``call`` must return plain values."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Garbage collection of another example's connections may warn at any moment.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            value = call()
        except HTTPException as e:
            result = Outcome(raised=type(e), http=(e.code, e.description))
        # Whatever either side raises is the outcome under comparison.
        except Exception as e:
            result = Outcome(raised=type(e), message=str(e))
        else:
            result = Outcome(value=value)
    return dataclasses.replace(result, warned=tuple(w.category for w in caught))


def plain(value: object) -> object:
    """``value`` with floats as their ``repr``, so that NaN compares equal to itself."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def table_rows(engine: sa.engine.Engine) -> dict[str, list[tuple[t.Any, ...]]]:
    """Every table in the database behind ``engine`` with its rows, sorted."""
    metadata = sa.MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)
        return {
            name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
            for name, table in sorted(metadata.tables.items())
        }
