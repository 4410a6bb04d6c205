"""2.x and 3.x name tables differently for some class names: those uses are FSC710.

The 2.x names are the real 2.5.1's, recorded for about 3000 class names (the scenario
``camel_to_snake_case``); the 3.x names are the 3.1 level's rule, whose parity with
Flask-SQLAlchemy 3.1.1 ``tests/compat`` and ``tests/property`` check.
"""

from __future__ import annotations

import json
import types
import typing as t

import pytest
import sqlalchemy as sa

from fss_compat import legacy
from fss_compat import shims_v2
from fss_compat.shims import model as model_v3
from tests._support.v2_scenarios import RECORDING
from tests._support.v2_scenarios import make_app

V2_NAMES: dict[str, str] = json.loads(RECORDING.read_text(encoding="utf-8"))["scenarios"][
    "camel_to_snake_case"
]["result"]
DIFFERING = sorted(n for n, v2 in V2_NAMES.items() if v2 != model_v3.camel_to_snake_case(n))
AGREEING = sorted(n for n, v2 in V2_NAMES.items() if v2 == model_v3.camel_to_snake_case(n))


def test_the_rules_differ_for_some_names() -> None:
    """Both kinds exist among the recorded names, and the 2.x rule is reproduced for all."""
    assert 0 < len(DIFFERING) < len(V2_NAMES)
    assert {"AB1", "Url3D"} <= set(DIFFERING) and {"AUrl", "HTTPUrl"} <= set(AGREEING)
    assert {n: shims_v2.model.camel_to_snake_case(n) for n in V2_NAMES} == V2_NAMES


def _identifiers(names: list[str]) -> list[str]:
    return [n for n in names if n.isidentifier()][::97][:6]


@pytest.mark.parametrize("name", _identifiers(DIFFERING) + _identifiers(AGREEING))
def test_fsc710_is_reported_exactly_where_the_names_differ(name: str) -> None:
    """A model gets 2.x's name; FSC710 is reported when 3.x would name its table otherwise."""
    db = shims_v2.SQLAlchemy(make_app())
    body = {"id": sa.Column(sa.Integer, primary_key=True)}
    usage = legacy.start_report()
    try:
        model: t.Any = types.new_class(name, (db.Model,), exec_body=lambda ns: ns.update(body))
    finally:
        legacy.stop_report()
    assert model.__tablename__ == V2_NAMES[name]
    assert usage.total("FSC710") == (name in DIFFERING)
    assert usage.total("FSC301") == 1
