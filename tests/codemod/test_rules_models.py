"""FSC301 auto-tablename, FSC303 model-base and FSC304 bind-key."""

from __future__ import annotations

from fss_compat.codemod.engine import Status
from tests._support.codemod import Project

MODELS = '''\
"""Models."""

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import SQLAlchemy


class Base(orm.DeclarativeBase):
    """The app's base."""


db = SQLAlchemy(model_class=Base)


class NamedMixin:
    @orm.declared_attr.directive
    def __tablename__(cls) -> str:
        return "named_" + cls.__name__.lower()


class HTTPLog(db.Model):
    """A log line."""

    # the key
    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(sa.String(20))
    __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "log"}


class ErrorLog(HTTPLog):
    __mapper_args__ = {"polymorphic_identity": "error"}


class Thing(NamedMixin, db.Model):
    id = sa.Column(sa.Integer, primary_key=True)


class Abstract(db.Model):
    __abstract__ = True


class Tag(Abstract):
    id = sa.Column(sa.Integer, primary_key=True)


class Audit(db.Model):
    __bind_key__ = "audit"
    id = sa.Column(sa.Integer, primary_key=True)
'''


def test_runtime_table_names(project: Project) -> None:
    """With ``--app`` the names the mappers have are written; STI children, mixins are skipped."""
    project.write({"models.py": MODELS})
    result = project.migrate(stage=4, app=f"{project.package}.models")
    source = project.read("models.py")
    assert '    """A log line."""\n\n    __tablename__ = "http_log"\n    # the key\n' in source
    assert 'class Tag(Abstract):\n    __tablename__ = "tag"\n' in source
    assert 'class Audit(db.Model):\n    __tablename__ = "audit"\n    __bind_key__' in source
    assert source.count("__tablename__ =") == 3
    assert sorted(
        f.subject.rpartition(".")[2] for f in result.findings if f.feature == "FSC301"
    ) == [
        "Audit",
        "HTTPLog",
        "Tag",
    ]
    compile(source, "models.py", "exec")
    again = project.migrate(stage=4, app=f"{project.package}.models", write=False)
    assert again.sources.get("models.py", source) == source


def test_static_table_names_need_unsafe(project: Project) -> None:
    """Without ``--app`` the snake_case guess is unsafe: reported, applied only with --unsafe."""
    project.write({"models.py": MODELS})
    result = project.migrate(stage=4)
    assert set(result.statuses("FSC301.static")) == {Status.UNSAFE}
    assert "__tablename__ =" not in project.read("models.py")
    project.migrate(stage=4, unsafe=True)
    source = project.read("models.py")
    assert '__tablename__ = "http_log"' in source and '__tablename__ = "audit"' in source


def test_explicit_names_are_a_no_op(project: Project) -> None:
    """A model with ``__tablename__`` or ``__table__`` is not a site."""
    source = MODELS.split("class NamedMixin")[0] + (
        "class A(db.Model):\n    __tablename__ = 'a'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
    )
    project.write({"models.py": source})
    assert project.migrate(stage=4).statuses("FSC301") == []


def test_bind_key_is_manual(project: Project) -> None:
    """``__bind_key__`` gets a TODO above it, naming the guide section."""
    project.write({"models.py": MODELS})
    result = project.migrate(stage=7)
    assert result.statuses("FSC304") == [Status.MANUAL]
    source = project.read("models.py")
    assert "    # TODO(fss FSC304): " in source
    assert source.index("TODO(fss FSC304)") < source.index('__bind_key__ = "audit"')
    compile(source, "models.py", "exec")


def test_model_base(project: Project) -> None:
    """A model with an explicit name and no legacy use left moves to the app's base."""
    project.write(
        {
            "models.py": MODELS,
            "more.py": (
                "import sqlalchemy as sa\n\nfrom .models import db\n\n\n"
                "class Free(db.Model):\n    __tablename__ = 'free'\n"
                "    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
                "class Queried(db.Model):\n    __tablename__ = 'queried'\n"
                "    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
                "q = Queried.query.all()\n"
            ),
        }
    )
    result = project.migrate(stage=9)
    source = project.read("more.py")
    assert "class Free(Base):" in source and "class Queried(db.Model):" in source
    assert "from .models import Base, db" in source
    blocked = {
        f.subject.rpartition(".")[2]: f.message
        for f in result.findings
        if f.key == "FSC303.base" and f.status is Status.BLOCKED
    }
    assert "'Queried.query' is still used" in blocked["Queried"]
    assert "it has subclasses" in blocked["HTTPLog"]
    assert "no explicit __tablename__" in blocked["Thing"]
    compile(source, "more.py", "exec")


def test_model_base_needs_a_declarative_model_class(project: Project) -> None:
    """Without ``model_class=`` a DeclarativeBase, no model moves."""
    project.write(
        {
            "models.py": "from fss_compat import SQLAlchemy\n\ndb = SQLAlchemy()\n\n\n"
            "class A(db.Model):\n    __tablename__ = 'a'\n",
        }
    )
    result = project.migrate(stage=9)
    assert result.statuses("FSC303") == [Status.BLOCKED]
    assert "class A(db.Model)" in project.read("models.py")
