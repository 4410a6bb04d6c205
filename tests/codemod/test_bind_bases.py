"""FSC304.base: a differential of the models before and after the tool gives them a base of
their own per bind key (DDL on each database, and where rows go), and its all-or-nothing
conditions.
"""

from __future__ import annotations

import importlib
import sys
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from fss_compat.codemod.engine import Status
from tests._support.codemod import Project

MODELS = """\
import sqlalchemy as sa
import sqlalchemy.orm as orm

from {package} import SQLAlchemy

CONVENTION = {{"uq": "uq_%(table_name)s_%(column_0_name)s"}}
db = SQLAlchemy(metadata=sa.MetaData(naming_convention=CONVENTION))


class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(20), unique=True)


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __bind_key__ = "audit"
    id = sa.Column(sa.Integer, primary_key=True)
    action = sa.Column(sa.String(20), unique=True)


class AuditLogin(db.Model):
    __tablename__ = "audit_login"
    __bind_key__ = "audit"
    id = sa.Column(sa.Integer, primary_key=True)
"""


def _run(module: t.Any, folder: Path) -> dict[str, object]:
    """Create the tables, add one row per model; the DDL and the rows of each database."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'main.db'}"
    app.config["SQLALCHEMY_BINDS"] = {"audit": f"sqlite:///{folder / 'audit.db'}"}
    db = module.db
    db.init_app(app)
    found: dict[str, object] = {}
    with app.app_context():
        db.create_all()
        db.session.add_all(
            [module.User(name="u"), module.AuditEntry(action="a"), module.AuditLogin()]
        )
        db.session.commit()
        for key, engine in db.engines.items():
            with engine.connect() as connection:
                rows = "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
                tables = connection.execute(sa.text(rows)).all()
                found[f"{key}:ddl"] = tables
                found[f"{key}:rows"] = {
                    name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                    for name, _ in tables
                }
            engine.dispose()
    return found


@pytest.mark.parametrize("package", ["fss_compat", "flask_sqlalchemy"])
def test_ddl_and_routing_unchanged(project: Project, tmp_path: Path, package: str) -> None:
    """The rewritten models create the same tables on the same databases, with the same
    constraint names, and their rows go to the same database.
    """
    before = MODELS.format(package=package)
    project.write({"models.py": before})
    result = project.migrate(select="FSC304.base")
    assert sorted(f.status for f in result.findings if f.feature == "FSC304") == [Status.FIX] * 2
    after = project.read("models.py")
    assert after.count("class AuditBase(orm.DeclarativeBase):") == 1
    assert "naming_convention=db.metadata.naming_convention" in after
    assert 'db.metadatas["audit"] = AuditBase.metadata' in after
    assert "__bind_key__" not in after
    assert project.migrate(select="FSC304", write=False).sources == {}
    project.write({"legacy.py": before})
    sys.path.insert(0, str(project.root))
    folders = tmp_path / "old", tmp_path / "new"
    for folder in folders:
        folder.mkdir()
    old = _run(importlib.import_module(f"{project.package}.legacy"), folders[0])
    new = _run(importlib.import_module(f"{project.package}.models"), folders[1])
    assert new == old
    assert old["audit:rows"] == {"audit_entry": 1, "audit_login": 1}
    assert "uq_audit_entry_action" in str(old["audit:ddl"])


#: A change that keeps AuditLogin where it is, and the reason the tool gives.
BLOCKERS: dict[str, tuple[t.Callable[[str], str], str]] = {
    "no-tablename": (
        lambda source: source.replace('    __tablename__ = "audit_login"\n', ""),
        "no explicit __tablename__",
    ),
    "query": (
        lambda source: source + "\n\ndef logins():\n    return AuditLogin.query.all()\n",
        "'AuditLogin.query' is still used",
    ),
}


@pytest.mark.parametrize("blocker", sorted(BLOCKERS))
def test_all_or_nothing_per_key(project: Project, blocker: str) -> None:
    """When one model of a key cannot move, none does: each gets the manual TODO."""
    change, reason = BLOCKERS[blocker]
    project.write({"models.py": change(MODELS.format(package="fss_compat"))})
    result = project.migrate(select="FSC304")
    found = {f.subject.rpartition(".")[2]: f for f in result.findings if f.feature == "FSC304"}
    assert {name: f.status for name, f in found.items()} == {
        "AuditEntry": Status.MANUAL,
        "AuditLogin": Status.MANUAL,
    }
    assert reason in found["AuditLogin"].message
    assert "'AuditLogin' of the same key cannot move" in found["AuditEntry"].message
    assert "class AuditBase" not in project.read("models.py")
