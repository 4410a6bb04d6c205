"""Legacy feature switches: modes, attribution to the user's line, per-module modes, report."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

import fss_compat
from fss_compat import catalogue
from fss_compat import legacy


@pytest.fixture
def modes() -> Iterator[None]:
    """Start from every feature allowed; restore that afterwards."""
    legacy.reset()
    yield
    legacy.reset()


def test_default_is_silent(modes: None) -> None:
    """With every feature allowed, using them emits nothing (warnings are errors here)."""
    db = fss_compat.SQLAlchemy()
    assert db.Column is sa.Column
    assert legacy._active is False


def test_warn_is_attributed_to_user_line(modes: None) -> None:
    """A warning names the feature and points at the line that used it."""
    db = fss_compat.SQLAlchemy()
    legacy.configure({"FSC101": "warn"})
    with pytest.warns(legacy.LegacyFeatureWarning, match="FSC101 db-names") as record:
        line = sys._getframe().f_lineno + 1
        db.Integer  # noqa: B018 (the access is the use)
    assert (record[0].filename, record[0].lineno) == (__file__, line)
    warning = record[0].message
    assert isinstance(warning, legacy.LegacyFeatureWarning)
    assert warning.feature.id == "FSC101" and "import sqlalchemy as sa" in str(warning)
    assert issubclass(legacy.LegacyFeatureWarning, DeprecationWarning)


def test_error_raises_with_replacement(modes: None, app: Flask) -> None:
    """In error mode the use raises, naming the id and the replacement."""
    db = fss_compat.SQLAlchemy(app)
    legacy.configure("get-engine=error")
    with app.app_context(), pytest.raises(legacy.LegacyFeatureError, match=r"db\.engines"):
        db.get_engine()


def test_feature_by_name_or_star(modes: None) -> None:
    """Features are addressed by id or name; ``*`` sets them all; specific keys win."""
    legacy.configure({"*": "error", "db-names": "allow"})
    assert legacy.mode_for("FSC101", "app") is legacy.Mode.ALLOW
    assert legacy.mode_for("FSC201", "app") is legacy.Mode.ERROR


def test_unknown_feature_and_mode(modes: None) -> None:
    """An unknown feature or mode is rejected with the valid choices."""
    with pytest.raises(KeyError, match="FSC201"):
        legacy.configure({"FSC999": "warn"})
    with pytest.raises(ValueError, match="allow"):
        legacy.configure({"FSC201": "loud"})
    with pytest.raises(ValueError, match="key=mode"):
        legacy.configure("FSC201")


def test_module_modes(modes: None) -> None:
    """Module keys apply to that package; the longest prefix and then feature keys win."""
    legacy.configure(
        {"app.billing:*": "error", "app.billing.old:FSC101": "warn", "FSC101": "allow"}
    )
    assert legacy.mode_for("FSC101", "app.billing.invoices") is legacy.Mode.ERROR
    assert legacy.mode_for("FSC101", "app.billing.old.x") is legacy.Mode.WARN
    assert legacy.mode_for("FSC201", "app.billing.old.x") is legacy.Mode.ERROR
    assert legacy.mode_for("FSC101", "app.billingx") is legacy.Mode.ALLOW
    assert legacy.mode_for("FSC101", "app") is legacy.Mode.ALLOW


def test_module_mode_locks_one_package(
    modes: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migrated package can be locked while the rest of the app still uses the feature."""
    package = tmp_path / "lockedapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "billing.py").write_text(
        textwrap.dedent(
            """
            def column_type(db):
                return db.Integer
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    billing = importlib.import_module("lockedapp.billing")
    db = fss_compat.SQLAlchemy()
    legacy.configure({"lockedapp.billing:*": "error"})
    assert db.Integer is sa.Integer
    with pytest.raises(legacy.LegacyFeatureError):
        billing.column_type(db)


def test_report_counts_call_sites(modes: None) -> None:
    """A report counts uses per feature and call site, in any mode."""
    db = fss_compat.SQLAlchemy()
    usage = legacy.start_report()
    for _ in range(3):
        db.String  # noqa: B018 (the access is the use)
    db.relationship("X")
    assert legacy.stop_report() is usage
    assert usage.total("FSC101") == 3 and usage.total("FSC104") == 1
    (site,) = usage.sites["FSC101"]
    assert site.startswith(__file__ + ":")
    text = usage.render()
    assert "FSC101 db-names: 3 uses at 1 site" in text and "FSC104 db-relationship" in text
    assert legacy._active is False


def test_empty_report() -> None:
    """A report with no uses says so."""
    assert "no legacy" in legacy.Usage().render()


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """``FSS_LEGACY`` in the environment sets modes (applied at import and by ``reset``)."""
    monkeypatch.setenv("FSS_LEGACY", "*=warn,FSC101=allow")
    legacy.reset()
    try:
        assert legacy.mode_for("FSC201", "x") is legacy.Mode.WARN
        assert legacy.mode_for("FSC101", "x") is legacy.Mode.ALLOW
    finally:
        monkeypatch.delenv("FSS_LEGACY")
        legacy.reset()


def test_catalogue_ids_are_stable() -> None:
    """Ids are unique ``FSCnnn`` strings and names are unique."""
    ids = [f.id for f in catalogue.FEATURES]
    names = [f.name for f in catalogue.FEATURES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    assert all(len(i) == 6 and i.startswith("FSC") and i[3:].isdigit() for i in ids)


def test_constructor_and_config(modes: None, app: Flask) -> None:
    """Modes come from ``SQLAlchemy(legacy_modes=...)`` and from ``FSS_LEGACY`` in app config."""
    db = fss_compat.SQLAlchemy(legacy_modes={"FSC101": "error"})
    with pytest.raises(legacy.LegacyFeatureError):
        db.Column  # noqa: B018 (the access is the use)
    app.config["FSS_LEGACY"] = "FSC101=allow,FSC104=warn"
    db.init_app(app)
    assert db.Column is sa.Column
    with pytest.warns(legacy.LegacyFeatureWarning):
        db.relationship("X")


def test_model_features_are_reported(modes: None, app: Flask) -> None:
    """Model.query, generated table names and bind keys are reported at the user's lines."""
    db = fss_compat.SQLAlchemy(app)
    usage = legacy.start_report()

    class Named(db.Model):
        __tablename__ = "named"
        id = sa.Column(sa.Integer, primary_key=True)

    class Parent(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        kind = sa.Column(sa.String(10))
        __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "p"}

    class SingleChild(Parent):
        __mapper_args__ = {"polymorphic_identity": "c"}

    class Audit(db.Model):
        __bind_key__ = "audit"
        id = sa.Column(sa.Integer, primary_key=True)

    with app.app_context():
        Named.query  # noqa: B018 (the access is the use)
    legacy.stop_report()
    assert usage.total("FSC301") == 2  # Parent and Audit; not Named, not the STI child
    assert usage.total("FSC304") == 1
    assert usage.total("FSC201") == 1
    assert all(site.startswith(__file__) for sites in usage.sites.values() for site in sites)


def test_paginate_reading_request_is_reported(modes: None, app: Flask) -> None:
    """``db.paginate`` taking page numbers from the request is FSC605; explicit numbers are not."""
    db = fss_compat.SQLAlchemy(app)

    class Row(db.Model):
        __tablename__ = "row"
        id = sa.Column(sa.Integer, primary_key=True)

    usage = legacy.start_report()
    with app.test_request_context("/?page=1"):
        db.create_all()
        db.paginate(sa.select(Row), page=1, per_page=5)
        assert usage.total("FSC605") == 0
        db.paginate(sa.select(Row))
        assert usage.total("FSC601") == 2  # db.paginate is a facade helper either way
    legacy.stop_report()
    assert usage.total("FSC605") == 1


def test_db_table_is_reported_at_the_users_line(modes: None) -> None:
    """``db.Table`` is FSC102 (with or without a MetaData); ``sqlalchemy.Table`` is not."""
    db = fss_compat.SQLAlchemy()
    legacy.configure({"FSC102": "warn"})
    with pytest.warns(legacy.LegacyFeatureWarning, match="FSC102 db-table") as record:
        line = sys._getframe().f_lineno + 1
        tags = db.Table("tags", sa.Column("id", sa.Integer, primary_key=True))
    assert (record[0].filename, record[0].lineno) == (__file__, line)
    assert tags.metadata is db.metadata
    legacy.configure({"FSC102": "error"})
    with pytest.raises(legacy.LegacyFeatureError, match=r"sqlalchemy\.Table\(name, metadata"):
        db.Table("audit", sa.Column("id", sa.Integer), bind_key="audit")
    with pytest.raises(legacy.LegacyFeatureError):
        db.Table("given", db.metadata, sa.Column("id", sa.Integer))
    assert sa.Table("plain", db.metadata, sa.Column("id", sa.Integer)).metadata is db.metadata
