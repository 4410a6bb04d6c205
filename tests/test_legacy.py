"""Legacy feature switches: modes per app and per db, attribution, module modes, reports."""

from __future__ import annotations

import importlib
import sys
import textwrap
import threading
import typing as t
import warnings
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
    """Start from every feature allowed process-wide; restore that afterwards."""
    legacy.reset()
    yield
    legacy.reset()


def _app(name: str, **config: object) -> Flask:
    app = Flask(name)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    return app


def test_default_is_silent(modes: None) -> None:
    """With every feature allowed, using them emits nothing and reports nothing."""
    db = fss_compat.SQLAlchemy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert db.Column is sa.Column
    assert legacy.mode_for("FSC101", "app", db=db) is legacy.Mode.ALLOW


def test_warn_is_attributed_to_user_line(modes: None) -> None:
    """A warning names the feature and points at the line that used it."""
    db = fss_compat.SQLAlchemy(legacy_modes={"FSC101": "warn"})
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
    db = fss_compat.SQLAlchemy(app, legacy_modes="get-engine=error")
    with app.app_context(), pytest.raises(legacy.LegacyFeatureError, match=r"db\.engines"):
        db.get_engine()


def test_feature_by_name_star_and_any_case(modes: None) -> None:
    """Features are addressed by id or name in any case; ``*`` sets them all; ids win."""
    found = legacy.Modes.parse({"*": "error", "DB-Names": "allow", "fsc201": "Warn"})
    assert found.mode_for("FSC101", "app") is legacy.Mode.ALLOW
    assert found.mode_for("FSC201", "app") is legacy.Mode.WARN
    assert found.mode_for("FSC301", "app") is legacy.Mode.ERROR


def test_unknown_feature_mode_and_shape(modes: None) -> None:
    """An unknown feature, mode or string shape is refused with the valid choices."""
    with pytest.raises(ValueError, match=r"Unknown legacy feature 'FSC999'\. Known: FSC002"):
        fss_compat.SQLAlchemy(legacy_modes={"FSC999": "warn"})
    with pytest.raises(ValueError, match="'allow', 'warn' or 'error'"):
        legacy.configure({"FSC201": "loud"})
    with pytest.raises(ValueError, match="key=mode"):
        legacy.configure("FSC201")
    with pytest.raises(ValueError, match=r"Unknown legacy feature 'nope'"):
        legacy.configure("app.billing:nope=error")


@pytest.mark.parametrize("key", ["FSC001", "import-swap", "fsc303", "model-base"])
def test_static_only_features_name_the_scanner(modes: None, key: str) -> None:
    """The two ids only the scanner sees have no switch, and the message says where to look."""
    with pytest.raises(ValueError, match=r"no runtime switch.*'fss-compat scan'"):
        legacy.Modes.parse({key: "error"})


def test_module_modes(modes: None) -> None:
    """Module keys apply to that package; the longest prefix and then feature keys win."""
    found = legacy.Modes.parse(
        {"app.billing:*": "error", "app.billing.old:FSC101": "warn", "FSC101": "allow"}
    )
    assert found.mode_for("FSC101", "app.billing.invoices") is legacy.Mode.ERROR
    assert found.mode_for("FSC101", "app.billing.old.x") is legacy.Mode.WARN
    assert found.mode_for("FSC201", "app.billing.old.x") is legacy.Mode.ERROR
    assert found.mode_for("FSC101", "app.billingx") is legacy.Mode.ALLOW
    assert found.mode_for("FSC101", "app") is legacy.Mode.ALLOW


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
    db = fss_compat.SQLAlchemy(legacy_modes={"lockedapp.billing:*": "error"})
    assert db.Integer is sa.Integer
    with pytest.raises(legacy.LegacyFeatureError):
        billing.column_type(db)


def test_layers_override_only_the_keys_they_name(
    modes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Environment < db < app config, each layer replacing only the keys it sets."""
    monkeypatch.setenv("FSS_LEGACY", "*=warn,FSC101=allow")
    legacy.reset()
    db = fss_compat.SQLAlchemy(legacy_modes="FSC201=error")
    app = _app("layers", FSS_LEGACY="FSC201=allow,FSC301=error")
    db.init_app(app)
    assert legacy.mode_for("FSC201", "x", db=db) is legacy.Mode.ERROR
    assert legacy.mode_for("FSC101", "x", db=db) is legacy.Mode.ALLOW
    assert legacy.mode_for("FSC104", "x", db=db) is legacy.Mode.WARN
    assert legacy.mode_for("FSC201", "x", app=app) is legacy.Mode.ALLOW
    assert legacy.mode_for("FSC301", "x", app=app) is legacy.Mode.ERROR
    assert legacy.mode_for("FSC104", "x", app=app) is legacy.Mode.WARN
    monkeypatch.delenv("FSS_LEGACY")
    legacy.reset()
    assert legacy.mode_for("FSC104", "x", app=app) is legacy.Mode.ALLOW


def test_modes_block_restores_the_process_default(modes: None) -> None:
    """``with legacy.modes(...)`` sets the process default for the block only."""
    db = fss_compat.SQLAlchemy()
    with legacy.modes("FSC101=error"), pytest.raises(legacy.LegacyFeatureError):
        db.Column  # noqa: B018 (the access is the use)
    assert db.Column is sa.Column


def test_one_apps_config_never_reaches_another(modes: None) -> None:
    """App A's ``FSS_LEGACY="*=error"`` changes nothing for app B or for the db outside apps."""
    db = fss_compat.SQLAlchemy()
    strict, lenient = _app("strict", FSS_LEGACY="*=error"), _app("lenient")
    db.init_app(strict)
    db.init_app(lenient)
    assert db.Integer is sa.Integer
    with lenient.app_context():
        assert db.Integer is sa.Integer
    with strict.app_context(), pytest.raises(legacy.LegacyFeatureError):
        db.Integer  # noqa: B018 (the access is the use)
    other = fss_compat.SQLAlchemy(_app("other"))
    assert other.Integer is sa.Integer


def test_two_apps_serving_concurrently_keep_their_modes_and_reports(modes: None) -> None:
    """Requests of two apps in threads: each app's modes and usage report are its own."""
    db = fss_compat.SQLAlchemy()

    class Item(db.Model):
        __tablename__ = "item"
        id = sa.Column(sa.Integer, primary_key=True)

    strict, lenient = _app("strict", FSS_LEGACY="FSC201=error"), _app("lenient")
    for app in (strict, lenient):
        db.init_app(app)

        @app.get("/")
        def count() -> str:
            return str(Item.query.count())

        with app.app_context():
            db.create_all()
    reports = {app: legacy.start_report(app) for app in (strict, lenient)}
    statuses: dict[str, list[int]] = {"strict": [], "lenient": []}

    def serve(app: Flask) -> None:
        client = app.test_client()
        for _ in range(25):
            statuses[app.name].append(client.get("/").status_code)

    strict.testing = lenient.testing = False  # errors become 500 responses, not raised
    threads = [threading.Thread(target=serve, args=(app,)) for app in (strict, lenient) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {"strict": [500] * 50, "lenient": [200] * 50}
    assert {app.name: legacy.stop_report(app) for app in (strict, lenient)} == {
        app.name: reports[app] for app in (strict, lenient)
    }
    assert (reports[strict].total("FSC201"), reports[lenient].total("FSC201")) == (50, 50)
    assert set(reports[strict].sites) == set(reports[lenient].sites) == {"FSC201"}


def test_report_counts_call_sites(modes: None) -> None:
    """A process report counts uses per feature and call site, in any mode."""
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
    assert "1 sites" not in text and "1 uses" not in text


def test_app_report_needs_a_registered_app(modes: None) -> None:
    """A report for an app no db was registered on is refused, naming init_app."""
    with pytest.raises(RuntimeError, match=r"db\.init_app\(app\)"):
        legacy.start_report(Flask("bare"))


def test_empty_report() -> None:
    """A report with no uses says so."""
    assert legacy.Usage().render() == "fss_compat: no legacy Flask-SQLAlchemy features were used."


def test_environment_variable(modes: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """``FSS_LEGACY`` in the environment is every db's and app's default (read by ``reset``)."""
    monkeypatch.setenv("FSS_LEGACY", "*=warn,FSC101=allow")
    legacy.reset()
    db = fss_compat.SQLAlchemy()
    assert legacy.mode_for("FSC201", "x", db=db) is legacy.Mode.WARN
    assert legacy.mode_for("FSC101", "x", db=db) is legacy.Mode.ALLOW


def test_catalogue_ids_are_stable() -> None:
    """Ids are unique ``FSCnnn`` strings, names are unique, and the switchable ids are typed."""
    ids = [f.id for f in catalogue.FEATURES]
    names = [f.name for f in catalogue.FEATURES]
    assert len(set(ids)) == len(ids) and len(set(names)) == len(names)
    assert all(len(i) == 6 and i.startswith("FSC") and i[3:].isdigit() for i in ids)
    assert sorted(t.get_args(legacy.FeatureId)) == sorted(ids)


def test_constructor_and_config(modes: None, app: Flask) -> None:
    """The db's modes apply outside app contexts; the app's config inside its contexts."""
    db = fss_compat.SQLAlchemy(legacy_modes={"FSC101": "error"})
    with pytest.raises(legacy.LegacyFeatureError):
        db.Column  # noqa: B018 (the access is the use)
    app.config["FSS_LEGACY"] = "FSC101=allow,FSC104=warn"
    db.init_app(app)
    with app.app_context():
        assert db.Column is sa.Column
        with pytest.warns(legacy.LegacyFeatureWarning):
            db.relationship("X")
    with pytest.raises(legacy.LegacyFeatureError):
        db.Column  # noqa: B018 (the access is the use)


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
    """Paginating with page numbers from the request is FSC605; explicit numbers are not."""
    db = fss_compat.SQLAlchemy(app)

    class Row(db.Model):
        __tablename__ = "row"
        id = sa.Column(sa.Integer, primary_key=True)

    usage = legacy.start_report()
    with app.test_request_context("/?page=1"):
        db.create_all()
        db.paginate(sa.select(Row), page=1, per_page=5)
        Row.query.paginate(page=1, per_page=5)
        assert usage.total("FSC605") == 0
        db.paginate(sa.select(Row))
        Row.query.paginate()
        assert usage.total("FSC601") == 2  # db.paginate is a facade helper either way
    legacy.stop_report()
    assert usage.total("FSC605") == 2


def test_db_table_is_reported_at_the_users_line(modes: None) -> None:
    """``db.Table`` is FSC102 (with or without a MetaData); ``sqlalchemy.Table`` is not."""
    db = fss_compat.SQLAlchemy(legacy_modes={"FSC102": "warn"})
    with pytest.warns(legacy.LegacyFeatureWarning, match="FSC102 db-table") as record:
        line = sys._getframe().f_lineno + 1
        tags = db.Table("tags", sa.Column("id", sa.Integer, primary_key=True))
    assert (record[0].filename, record[0].lineno) == (__file__, line)
    assert tags.metadata is db.metadata
    strict = fss_compat.SQLAlchemy(legacy_modes={"FSC102": "error"})
    with pytest.raises(legacy.LegacyFeatureError, match=r"sqlalchemy\.Table\(name, metadata"):
        strict.Table("audit", sa.Column("id", sa.Integer), bind_key="audit")
    with pytest.raises(legacy.LegacyFeatureError):
        strict.Table("given", strict.metadata, sa.Column("id", sa.Integer))
    plain = sa.Table("plain", strict.metadata, sa.Column("id", sa.Integer))
    assert plain.metadata is strict.metadata


def test_relationship_switches(modes: None) -> None:
    """``backref=`` through ``db.relationship`` is FSC402; a dynamic collection is FSC403."""
    db = fss_compat.SQLAlchemy(legacy_modes={"FSC402": "error", "FSC403": "error"})
    db.relationship("User", back_populates="posts")
    with pytest.raises(legacy.LegacyFeatureError, match="FSC402"):
        db.relationship("User", backref="posts")
    with pytest.raises(legacy.LegacyFeatureError, match="FSC403"):
        db.relationship("Post", lazy="dynamic")
    with pytest.raises(legacy.LegacyFeatureError, match="FSC403"):
        db.dynamic_loader("Post")
    quiet = fss_compat.SQLAlchemy(legacy_modes={"FSC402": "allow", "FSC403": "error"})
    with pytest.raises(legacy.LegacyFeatureError, match="FSC403"):
        quiet.relationship("Post", backref=quiet.backref("user", lazy="dynamic"))
