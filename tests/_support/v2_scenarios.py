"""The registry and helpers of the 2.5-level scenarios (``tests/compat_v2/scenarios_*.py``).

A scenario is a function ``(fsa, tmp) -> data``: ``fsa`` is the ``flask_sqlalchemy``
package under test (the real 2.5.1 in ``record.py``'s environment, or
``fss_compat.shims_v2``), ``tmp`` an empty folder, and ``data`` plain JSON (dicts with
string keys, lists, strings, numbers, booleans, None) describing what it observed.
Scenarios run on SQLAlchemy 1.4 and 2.x, Flask 2.2 and 3.x alike, so they use the API
these share.
"""

from __future__ import annotations

import json
import typing as t
import warnings
from collections.abc import Callable
from pathlib import Path

import flask

Scenario = Callable[[t.Any, Path], t.Any]

#: Every scenario, by name; filled by the ``scenarios_*`` modules as they are imported.
SCENARIOS: dict[str, Scenario] = {}

#: The modules that define scenarios, imported by ``record.py`` and the parity test.
MODULES = (
    "tests.compat_v2.scenarios_engine",
    "tests.compat_v2.scenarios_model",
    "tests.compat_v2.scenarios_query",
    "tests.compat_v2.scenarios_session",
)

RECORDING = Path(__file__).resolve().parent.parent / "compat_v2" / "recorded.json"

_F = t.TypeVar("_F", bound=Scenario)


def scenario(function: _F) -> _F:
    """Register ``function`` as a scenario under its name."""
    if function.__name__ in SCENARIOS:
        raise ValueError(f"Two scenarios are named {function.__name__!r}.")
    SCENARIOS[function.__name__] = function
    return function


def make_app(import_name: str = "scenario_app", **config: t.Any) -> flask.Flask:
    """An app on in-memory SQLite with tracking off, plus ``config``."""
    app = flask.Flask(import_name)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    app.config.update(config)
    return app


def relevant(records: list[warnings.WarningMessage]) -> list[list[str]]:
    """The warnings Flask-SQLAlchemy itself emitted, as ``[category name, message]``.

    Left out: SQLAlchemy's (1.4 and 2.x warn about different things), fss_compat's
    legacy feature warnings, and Flask 2.2's about ``_app_ctx_stack``, which 2.5.1 uses.
    """
    kept = []
    for record in records:
        category = record.category
        if category.__module__.startswith(("sqlalchemy", "fss_compat.legacy")):
            continue
        if category is DeprecationWarning and "_app_ctx_stack" in str(record.message):
            continue
        if category.__name__ in {"FSADeprecationWarning", "DeprecationWarning", "UserWarning"}:
            kept.append([category.__name__, str(record.message)])
    return kept


def outcome(call: Callable[[], t.Any]) -> list[t.Any]:
    """``["ok", value]`` or ``[exception class name, message]`` of ``call()``."""
    try:
        value = call()
    except Exception as e:  # the scenario records which exception, whatever it is
        return [type(e).__name__, str(e)]
    return ["ok", value]


def run(name: str, fsa: t.Any, tmp: Path) -> t.Any:
    """Run scenario ``name`` with every warning recorded; its data, as JSON reads it back.

    :returns: ``{"result": data, "warnings": [...]}`` with ``tmp`` written as ``<tmp>``.
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        result = SCENARIOS[name](fsa, tmp)
    text = json.dumps({"result": result, "warnings": relevant(records)}, sort_keys=True)
    return json.loads(text.replace(str(tmp), "<tmp>"))
