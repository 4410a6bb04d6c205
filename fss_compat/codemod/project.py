"""The scanned code as a whole: what is defined where, joined across modules.

Each file's pass records :class:`~fss_compat.codemod.module_facts.ModuleFacts` (module-level
aliases, ``SQLAlchemy()`` instances, classes with their bases' qualified names).
:class:`Index` joins the facts of every module, so a rule in one file knows that ``User``
(imported from ``app.models``, perhaps through a re-export) is a model of the ``db``
defined in ``app.ext``. The facts' classes and the file helpers
(:mod:`~fss_compat.codemod.source_files`) are re-exported here, where the tool imports them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from fss_compat.codemod.module_facts import ClassFacts
from fss_compat.codemod.module_facts import DbFacts
from fss_compat.codemod.module_facts import ModuleFacts
from fss_compat.codemod.module_facts import TableName
from fss_compat.codemod.source_files import absolute
from fss_compat.codemod.source_files import import_root
from fss_compat.codemod.source_files import iter_python_files
from fss_compat.codemod.source_files import module_name

__all__ = [
    "DECLARATIVE_BASES",
    "SQLALCHEMY_CLASSES",
    "ClassFacts",
    "DbFacts",
    "Index",
    "ModuleFacts",
    "TableName",
    "absolute",
    "import_root",
    "iter_python_files",
    "module_name",
]

#: The qualified names of Flask-SQLAlchemy's class and of fss_compat's.
SQLALCHEMY_CLASSES = frozenset(
    {
        "flask_sqlalchemy.SQLAlchemy",
        "flask_sqlalchemy.extension.SQLAlchemy",
        "fss_compat.SQLAlchemy",
        "fss_compat.shims.extension.SQLAlchemy",
    }
)
#: Bases that make a class a plain SQLAlchemy 2.x declarative base.
DECLARATIVE_BASES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
#: The packages whose Query classes define Flask-SQLAlchemy's methods as it does.
_QUERY_LIBRARIES = ("flask_sqlalchemy.", "fss_compat.", "sqlalchemy.")


@dataclasses.dataclass
class Index:
    """The facts of every scanned module, joined."""

    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    classes: dict[str, ClassFacts] = dataclasses.field(default_factory=dict)
    dbs: dict[str, DbFacts] = dataclasses.field(default_factory=dict)
    #: The qualified names of the receivers of ``X.query`` anywhere, resolved.
    queried: set[str] = dataclasses.field(default_factory=set)
    #: The config keys that switch a legacy feature on which the code may set.
    config_keys: set[str] = dataclasses.field(default_factory=set)
    #: The legacy bulk events any module names (see :attr:`ModuleFacts.bulk_events`).
    bulk_events: set[str] = dataclasses.field(default_factory=set)
    #: Table names read from the running app (``--app``), by class qualified name.
    runtime_names: dict[str, TableName] = dataclasses.field(default_factory=dict)
    #: Per module: the qualified names it imports, those it reads as attributes of what it
    #: imports (``app.views.base`` for ``views.base``), and the modules it imports ``*``
    #: from; before resolution.
    imports: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    reads: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    star_imports: dict[str, set[str]] = dataclasses.field(default_factory=dict)
    #: Every module's :attr:`ModuleFacts.extra`, by family: what the family joins itself.
    extra: dict[str, list[object]] = dataclasses.field(default_factory=dict)
    #: The attributes of the dynamic relationships a family rewrites, with every use
    #: (FSC403): the manual findings that rely on them staying dynamic (FSC104's) get no
    #: TODO comment.
    rewritten_dynamic: frozenset[str] = frozenset()
    _subclasses: dict[str, list[str]] | None = dataclasses.field(default=None, repr=False)
    _model_db: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)
    _resolved: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, facts: Iterable[ModuleFacts]) -> Index:
        """Join the facts of all modules."""
        index = cls()
        for module in facts:
            for name, target in module.aliases.items():
                index.aliases[f"{module.module}.{name}"] = target
            index.classes.update((c.qname, c) for c in module.classes)
            index.dbs.update((d.qname, d) for d in module.dbs)
            index.queried.update(module.queried)
            index.config_keys.update(module.config_keys)
            index.bulk_events.update(module.bulk_events)
            index.imports[module.module] = set(module.aliases.values())
            index.reads[module.module] = {f"{module.module}.{read}" for read in module.reads}
            index.star_imports[module.module] = module.star_imports
            for family, value in module.extra.items():
                index.extra.setdefault(family, []).append(value)
        # A subclass of SQLAlchemy defined in the scanned code makes db objects too.
        index.dbs = {q: d for q, d in index.dbs.items() if index._is_sqlalchemy(d.constructor)}
        index.queried = {index.resolve(name) for name in index.queried}
        return index

    def resolve(self, qname: str) -> str:
        """Follow re-exports and aliases (``app.models.User`` -> ``app.models.user.User``)."""
        if qname in self._resolved:
            return self._resolved[qname]
        name = qname
        for _ in range(20):
            parts = name.split(".")
            for cut in range(len(parts), 0, -1):
                prefix = ".".join(parts[:cut])
                target = self.aliases.get(prefix)
                if target is not None and target != prefix:
                    name = ".".join([target, *parts[cut:]])
                    break
            else:
                break
        self._resolved[qname] = name
        return name

    def users(self, qname: str, module: str) -> list[str]:
        """The scanned modules other than ``module`` that may use ``qname``, a module-level
        name of ``module``: they import it, read it as an attribute of the module they
        import, read that module as an attribute of its package, or import ``*`` from it
        (a public name).
        """
        owner, _, name = qname.rpartition(".")
        found = []
        for user in sorted(self.imports):
            if user == module:
                continue
            imports = {self.resolve(item) for item in self.imports[user]}
            reads = {self.resolve(item) for item in self.reads[user]}
            stars = {self.resolve(item) for item in self.star_imports[user]}
            if qname in imports | reads or owner in reads or (owner in stars and name[:1] != "_"):
                found.append(user)
        return found

    def sqlalchemy_class(self, qnames: Iterable[str]) -> str:
        """The ``SQLAlchemy`` class (or a scanned subclass) among ``qnames``, or ``""``."""
        for name in qnames:
            if self._is_sqlalchemy([name]):
                return self.resolve(name)
        return ""

    def _is_sqlalchemy(self, constructor: list[str], depth: int = 0) -> bool:
        for name in constructor:
            name = self.resolve(name)
            if name in SQLALCHEMY_CLASSES:
                return True
            facts = self.classes.get(name)
            if facts is not None and depth < 20 and self._is_sqlalchemy(facts.bases, depth + 1):
                return True
        return False

    def db(self, qnames: Iterable[str]) -> str:
        """The db object among ``qnames`` (its resolved qualified name), or ``""``."""
        for name in qnames:
            name = self.resolve(name)
            if name in self.dbs:
                return name
        return ""

    def db_member(self, qnames: Iterable[str], attribute: str) -> str:
        """The db whose ``attribute`` one of ``qnames`` is (``relationship = db.relationship``
        in a shared module makes ``relationship`` one), or ``""``.
        """
        for name in qnames:
            owner, _, attr = self.resolve(name).rpartition(".")
            if attr == attribute and owner in self.dbs:
                return owner
        return ""

    def model_db(self, qname: str, depth: int = 0) -> str:
        """The db whose ``Model`` the class ``qname`` derives from, or ``""``."""
        if qname in self._model_db:
            return self._model_db[qname]
        facts = self.classes.get(qname)
        found = ""
        if facts is not None and depth < 50:
            for base in facts.bases:
                base = self.resolve(base)
                owner, _, attr = base.rpartition(".")
                if attr == "Model" and owner in self.dbs:
                    found = owner
                elif base in self.classes and base != qname:
                    found = self.model_db(base, depth + 1)
                if found:
                    break
        self._model_db[qname] = found
        return found

    def model(self, qnames: Iterable[str]) -> str:
        """The concrete (not abstract) model among ``qnames``, resolved, or ``""``."""
        for name in qnames:
            name = self.resolve(name)
            facts = self.classes.get(name)
            if facts is not None and not facts.abstract and self.model_db(name):
                return name
        return ""

    def model_below(self, qname: str) -> str:
        """``qname`` if it is a concrete model, else its first concrete model subclass, or
        ``""``: what ``cls.query`` in a mixin's or a base's classmethod reaches.
        """
        todo, seen = [qname], set()
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            if self.model([name]):
                return name
            todo.extend(sorted(self.subclasses(name)))
        return ""

    def custom_query(self, model: str, method: str = "") -> bool:
        """Whether ``model``'s ``query`` is an app-defined Query subclass; with ``method``,
        one that may define that method itself (it or a base does, or the tool cannot read
        the class): a class that only adds methods keeps Flask-SQLAlchemy's ``method``.
        """
        db = self.dbs[self.model_db(model)]
        names = [db.query_class_name] if db.query_class else []
        names += [
            self.classes[q].query_class_name
            for q in self.lineage(model)
            if self.classes[q].query_class
        ]
        if not method or not names:
            return bool(names)
        return any(self._may_define(name, method) for name in names)

    def _may_define(self, query_class: str, method: str) -> bool:
        qname = self.resolve(query_class) if query_class else ""
        if qname not in self.classes:
            return True  # not scanned: it may
        for name in self.lineage(qname):
            if method in self.classes[name].methods:
                return True
            for base in self.classes[name].bases:
                found = self.resolve(base)
                if found not in self.classes and not found.startswith(_QUERY_LIBRARIES):
                    return True  # a base of another library's: it may
        return False

    def lineage(self, qname: str) -> list[str]:
        """``qname`` and its scanned base classes, nearest first."""
        seen: list[str] = []
        todo = [qname]
        while todo:
            name = todo.pop(0)
            if name in seen or name not in self.classes:
                continue
            seen.append(name)
            todo.extend(self.resolve(base) for base in self.classes[name].bases)
        return seen

    def subclasses(self, qname: str) -> list[str]:
        """The scanned classes that name ``qname`` as a direct base."""
        if self._subclasses is None:
            # Asked for every model: one pass over the classes, not one per question.
            self._subclasses = {}
            for q, c in self.classes.items():
                for base in dict.fromkeys(self.resolve(b) for b in c.bases):
                    self._subclasses.setdefault(base, []).append(q)
        return list(self._subclasses.get(qname, ()))

    def dynamic_attributes(self) -> frozenset[str]:
        """Attribute names of dynamic relationships of scanned models."""
        return frozenset(name for c in self.classes.values() for name in c.dynamic)

    def plain_base(self, qname: str) -> bool:
        """Whether ``qname`` is a scanned ``DeclarativeBase`` subclass (not a ``db.Model``)."""
        for name in self.lineage(qname):
            if any(self.resolve(b) in DECLARATIVE_BASES for b in self.classes[name].bases):
                return True
        return False
