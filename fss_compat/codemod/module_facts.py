"""What one module defines, as its pass records it: classes, ``db`` objects, aliases.

:class:`~fss_compat.codemod.project.Index` joins the facts of every module.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses

__all__ = ["ClassFacts", "DbFacts", "ModuleFacts", "TableName"]


@dataclasses.dataclass
class ClassFacts:
    """What the tool needs to know about one class, wherever it is used."""

    qname: str
    path: str
    bases: list[str]
    abstract: bool = False
    #: ``"explicit"``, ``"declared_attr"`` or ``""`` (none in the class body).
    tablename: str = ""
    table: bool = False
    bind_key: bool = False
    #: The ``__bind_key__`` when it is a string literal, else ``""``.
    bind_key_value: str = ""
    #: Whether the class body assigns ``metadata`` (a declarative base's own MetaData).
    metadata: bool = False
    #: Whether the class body declares a relationship.
    relationships: bool = False
    query_class: bool = False
    primary_key: bool = False
    #: Whether the class body defines ``__repr__``.
    repr: bool = False
    dynamic: list[str] = dataclasses.field(default_factory=list)
    #: The qualified name ``query_class`` is set to, when the tool can tell.
    query_class_name: str = ""
    #: The functions the class body defines.
    methods: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class DbFacts:
    """A module-level ``db = SQLAlchemy(...)``."""

    qname: str
    #: The qualified names the constructor may be (checked against the index).
    constructor: list[str]
    model_class: str = ""
    query_class: bool = False
    #: Whether the constructor is given ``metadata=``.
    metadata: bool = False
    #: The qualified name of its ``query_class`` argument, when the tool can tell.
    query_class_name: str = ""


@dataclasses.dataclass
class ModuleFacts:
    """The facts of one module."""

    module: str
    path: str
    #: module-level name -> the qualified name it stands for (imports, ``X = a.b``).
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    classes: list[ClassFacts] = dataclasses.field(default_factory=list)
    dbs: list[DbFacts] = dataclasses.field(default_factory=list)
    #: The qualified names of the receivers of ``X.query`` (whether or not models), and
    #: the classes of ``cls.query`` and ``self.query`` in their methods.
    queried: set[str] = dataclasses.field(default_factory=set)
    #: The config keys that switch a legacy feature on which the module may set.
    config_keys: set[str] = dataclasses.field(default_factory=set)
    #: ``alias.attr`` for each attribute read on a module-level alias (``views.base``).
    reads: set[str] = dataclasses.field(default_factory=set)
    #: The legacy bulk events it names (a string or a function name, ``after_bulk_delete``):
    #: FSC201 keeps ``Query.delete()`` / ``update()``, which fire them.
    bulk_events: set[str] = dataclasses.field(default_factory=set)
    #: The modules it imports with ``from <module> import *``.
    star_imports: set[str] = dataclasses.field(default_factory=set)
    #: Facts a rule family keeps for itself, by family (the typed-model families' schema):
    #: carried to :attr:`Index.extra` untouched.
    extra: dict[str, object] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TableName:
    """A model's table name as the running app has it (``migrate --app``).

    :param name: the name; ``""`` when the tool must not write one.
    :param why_not: why not, when ``name`` is empty.
    """

    name: str = ""
    why_not: str = ""
