"""What a legacy check costs when every feature is allowed, against the alternatives.

Run from the repository root::

    python -m benchmarks.legacy_check            # about 20 seconds
    python -m benchmarks.legacy_check --quick    # a few seconds

Each shim calls ``legacy.check("FSCnnn", db)`` where a legacy feature is used. With every
mode on ``allow`` in the whole process and no report running, the check returns after one
global lookup. This measures, in one run, nanoseconds per call of:

* ``nothing``: an empty loop body, the floor;
* ``attribute``: one module-attribute lookup in an ``if`` (the guard shims used before
  modes became per app: ``if legacy._active: ...``);
* ``check``: ``legacy.check("FSC201", db)``, everything allowed;
* ``check, another app loud``: the same for a quiet app while another app in the process
  has ``FSS_LEGACY="*=warn"``: the check then resolves the current app's modes;
* ``Model.query``: a whole ``Model.query`` access on fss_compat, and on Flask-SQLAlchemy,
  for scale.

The ratios printed are against ``attribute`` (the old guard).
"""

from __future__ import annotations

import argparse
import statistics
import timeit
import types
import typing as t

import sqlalchemy as sa
from flask import Flask


def _app(name: str, **config: t.Any) -> Flask:
    app = Flask(name)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    return app


def _model(db: t.Any) -> t.Any:
    return type(
        "Item",
        (db.Model,),
        {"__tablename__": "item", "id": sa.Column(sa.Integer, primary_key=True)},
    )


def measure(number: int, repeat: int) -> dict[str, float]:
    """Nanoseconds per call of each alternative: the median of ``repeat`` timings."""
    import flask_sqlalchemy

    import fss_compat
    from fss_compat import legacy

    legacy.reset()
    flag = types.SimpleNamespace(_active=False)
    quiet_app = _app("quiet")
    db = fss_compat.SQLAlchemy(quiet_app)
    item = _model(db)
    upstream_app = _app("upstream")
    upstream_item = _model(flask_sqlalchemy.SQLAlchemy(upstream_app))

    def nothing() -> None:
        pass

    def attribute() -> None:
        if flag._active:
            pass

    def check() -> None:
        legacy.check("FSC201", db)

    def query() -> None:
        item.query  # noqa: B018 (the access is what is measured)

    def upstream_query() -> None:
        upstream_item.query  # noqa: B018 (the access is what is measured)

    def timed(function: t.Callable[[], None]) -> float:
        runs = timeit.repeat(function, number=number, repeat=repeat)
        return statistics.median(runs) / number * 1e9

    results: dict[str, float] = {}
    with quiet_app.app_context():
        results["nothing"] = timed(nothing)
        results["attribute"] = timed(attribute)
        results["check"] = timed(check)
        results["Model.query (fss_compat)"] = timed(query)
    with upstream_app.app_context():
        results["Model.query (Flask-SQLAlchemy)"] = timed(upstream_query)
    # Another app in the process turns its own warnings on: the quiet app's checks now
    # resolve its modes (still 'allow') instead of returning at the first line.
    fss_compat.SQLAlchemy(_app("loud", FSS_LEGACY="*=warn"))
    with quiet_app.app_context():
        results["check, another app loud"] = timed(check)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args(argv)
    number, repeat = (20_000, 5) if args.quick else (200_000, 9)
    results = measure(number, repeat)
    base = results["attribute"]
    print(f"{'alternative':34} {'ns/call':>9} {'vs attribute':>13}")
    for name, value in results.items():
        print(f"{name:34} {value:9.1f} {value / base:12.2f}x")


if __name__ == "__main__":
    main()
