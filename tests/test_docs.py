"""The docs stay in sync with the code they are generated from."""

from __future__ import annotations

import ast
import re
import typing as t
from pathlib import Path

from flask import Flask

from fss_compat import differences

ROOT = Path(__file__).resolve().parent.parent


def test_differences_page_is_current() -> None:
    """``docs/differences.md`` is exactly what ``differences.render_markdown()`` produces."""
    assert (ROOT / "docs" / "differences.md").read_text() == differences.render_markdown()


def test_difference_ids_are_unique() -> None:
    """Each difference has its own id."""
    ids = [difference.id for difference in differences.DIFFERENCES]
    assert len(ids) == len(set(ids))


def test_configuration_page_lists_every_key() -> None:
    """docs/configuration.md lists the keys init_app sets, on both sides, and fss_compat's own."""
    import flask_sqlalchemy

    import fss_compat

    def keys(extension: type[t.Any]) -> set[str]:
        app = Flask("docs_example")
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        before = set(app.config)
        extension(app)
        return set(app.config) - before | {"SQLALCHEMY_DATABASE_URI"}

    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", page, re.MULTILINE))
    assert keys(flask_sqlalchemy.SQLAlchemy) == keys(fss_compat.SQLAlchemy)
    ours = {"FSS_LEGACY", "FSS_MAX_PER_PAGE", "FSS_DISPOSE_AT_FORK", "FSS_PGBOUNCER"}
    assert listed == keys(fss_compat.SQLAlchemy) | ours | {"FSS_REPLICAS", "FSS_REPLICA_OPTIONS"}


def _observed_differences() -> set[str]:
    """The ids in ``@pytest.mark.difference("...")`` markers anywhere in the tests."""
    found = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "pytest.mark.difference"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value))
    return found


def test_every_difference_is_observed_by_a_test() -> None:
    """Each registered difference has a test marked with it, and each marker names one."""
    registered = {difference.id for difference in differences.DIFFERENCES}
    assert _observed_differences() == registered
