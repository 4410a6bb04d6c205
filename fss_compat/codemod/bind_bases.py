"""FSC304's automatic rewrite: the models of a bind key get a declarative base of their own.

``class AuditEntry(db.Model)`` with ``__bind_key__ = "audit"`` becomes a subclass of a
generated base whose metadata carries the key, and the module registers that metadata with
the ``db``::

    class AuditBase(orm.DeclarativeBase):
        metadata = sa.MetaData(info={"bind_key": "audit"})


    db.metadatas["audit"] = AuditBase.metadata


    class AuditEntry(AuditBase):
        ...

Flask-SQLAlchemy's session (and fss_compat's) routes a table by its metadata's
``info["bind_key"]``, and ``db.create_all()`` creates every metadata of ``db.metadatas``:
routing and table creation stay as they were (``tests/compat/test_model_bind.py`` checks
both on both implementations). The registration runs when the module is imported, so
before ``init_app``. When the default metadata has a naming convention (the ``db`` is given
``metadata=``, or its ``model_class`` sets ``metadata``), the new metadata copies it, as
Flask-SQLAlchemy does for a bind key's metadata.

The rewrite is all or nothing per key: every model of the key moves, into one new base in
the one module that declares them, or none does (and each gets FSC304's TODO comment with
the reasons). A model moves when the tool sees its ``db``, its key is a string literal, it
has an explicit ``__tablename__`` (FSC301 writes it first), derives directly from
``db.Model``, has no subclass, no relationship (the new base has its own registry), no
``query_class``, no ``metadata`` or ``__table__`` of its own, and ``Model.query`` is no
longer used on it; and the ``db``'s ``model_class`` is absent or a ``DeclarativeBase`` (what
a custom model class adds would be lost).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing as t

import libcst as cst

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import OnClass
from fss_compat.codemod.facts import assigned
from fss_compat.codemod.project import Index

__all__ = ["BindBase", "base_name", "judge_bind_key", "moved"]


@dataclasses.dataclass(frozen=True)
class BindBase:
    """What the rewrite of one model writes (carried in its finding's ``data``)."""

    key: str
    #: The generated base's class name (``AuditBase``).
    name: str
    #: The ``db``'s qualified name.
    db: str
    #: Whether the new metadata copies the default metadata's naming convention.
    convention: bool

    def dump(self) -> str:
        """The finding's ``data``."""
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def load(cls, data: str) -> BindBase:
        """Read :meth:`dump`'s text."""
        return cls(**json.loads(data))


def base_name(key: str) -> str:
    """``AuditBase`` for ``"audit"``, ``AuditLogBase`` for ``"audit-log"``; ``""`` when the
    key gives no identifier.
    """
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", key))
    return f"{name}Base" if name and name.isidentifier() else ""


def _reasons(qname: str, index: Index) -> list[str]:
    """Why the model ``qname`` cannot move to a base of its own (empty: it can)."""
    facts = index.classes[qname]
    db = index.model_db(qname)
    model = f"{db}.Model"
    model_class = index.dbs[db].model_class
    short = qname.rpartition(".")[2]
    checks = [
        (not facts.bind_key_value, "its __bind_key__ is not a string literal"),
        (facts.abstract, "it is abstract"),
        (
            not any(index.resolve(base) == model for base in facts.bases),
            "it derives from db.Model through another class",
        ),
        (facts.tablename != "explicit", "no explicit __tablename__"),
        (facts.table or facts.metadata, "it sets its own __table__ or metadata"),
        (facts.query_class, "it sets query_class"),
        (facts.relationships, "it declares relationships (the new base has its own registry)"),
        (
            any(name in index.queried for name in index.lineage(qname)),
            f"'{short}.query' is still used",
        ),
        (bool(index.subclasses(qname)), "it has subclasses"),
        (
            bool(model_class) and not index.plain_base(index.resolve(model_class)),
            "db's model_class is not a DeclarativeBase",
        ),
    ]
    return [reason for failed, reason in checks if failed]


def moved(index: Index, key: str) -> list[str]:
    """The models of ``key`` (a string literal ``__bind_key__``) on a ``db.Model``."""
    return sorted(
        qname
        for qname, facts in index.classes.items()
        if facts.bind_key_value == key and index.model_db(qname)
    )


def judge_bind_key(candidate: Candidate, index: Index) -> Candidate | None:
    """Judge FSC304 at a model: the ``base`` rewrite with its :class:`BindBase` as data, or
    the manual ``bind-key`` one with the reasons the tool cannot make it.
    """
    qname = t.cast(OnClass, candidate.subject).qname
    if not index.model_db(qname):
        return None
    reasons = _reasons(qname, index)
    key = index.classes[qname].bind_key_value
    name = base_name(key)
    if key and not reasons:
        module = qname.rpartition(".")[0]
        group = moved(index, key)
        for other in group:
            if other.rpartition(".")[0] != module:
                reasons.append(f"models of the key {key!r} are in more than one module")
                break
            if other != qname and _reasons(other, index):
                short = other.rpartition(".")[2]
                reasons.append(f"'{short}' of the same key cannot move")
        if not name:
            reasons.append(f"the key {key!r} gives no class name")
        elif f"{module}.{name}" in index.classes or index.resolve(f"{module}.{name}") != (
            f"{module}.{name}"
        ):
            reasons.append(f"the module already has a name {name!r}")
    if reasons:
        return dataclasses.replace(candidate, rewrite="bind-key", blocked="; ".join(reasons))
    db = index.model_db(qname)
    model_class = index.resolve(index.dbs[db].model_class)
    base = index.classes.get(model_class)
    convention = index.dbs[db].metadata or (base is not None and base.metadata)
    data = BindBase(key, name, db, convention).dump()
    return dataclasses.replace(candidate, data=data)


def without_bind_key(node: cst.ClassDef) -> cst.ClassDef:
    """``node`` without its ``__bind_key__ = ...`` statements."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return node
    kept = [s for s in body.body if not any(n == "__bind_key__" for n, _ in assigned(s))]
    return node.with_changes(body=body.with_changes(body=kept))


def base_statements(
    plan: BindBase, declarative: str, metadata: str, db: str
) -> tuple[cst.BaseStatement, cst.BaseStatement]:
    """The generated base class and the statement that registers its metadata."""
    key = json.dumps(plan.key)
    convention = f"naming_convention={db}.metadata.naming_convention, " if plan.convention else ""
    base = cst.parse_statement(
        f"class {plan.name}({declarative}):\n"
        f"    metadata = {metadata}({convention}info={{{json.dumps('bind_key')}: {key}}})\n"
    )
    register = cst.parse_statement(f"{db}.metadatas[{key}] = {plan.name}.metadata\n")
    return base, register
