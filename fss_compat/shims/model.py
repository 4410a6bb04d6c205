"""Reproduces Flask-SQLAlchemy's ``db.Model``: table names, bind keys, repr and ``Model.query``.

Known differences from Flask-SQLAlchemy 3.1.1 (also in the guide, section "model"):

* For a SQLAlchemy 2.x ``model_class`` (a ``DeclarativeBase`` or ``DeclarativeBaseNoMeta``
  subclass, with or without ``MappedAsDataclass``), ``db.Model`` is an abstract
  **subclass** of that class. Flask-SQLAlchemy copies the class's namespace into a new
  class instead, which is not a subclass and which SQLAlchemy 2.1 refuses for dataclass
  bases (Flask-SQLAlchemy #1420). So ``issubclass(db.Model, Base)`` is True here, and
  methods of ``Base`` that use zero-argument ``super()`` (``__init_subclass__`` for one)
  work; upstream's copies raise ``TypeError`` when called on a model.

  Everything else resolves as upstream: what ``Base``'s own body defines
  (``__table_cls__``, ``__repr__``, ...) wins over ``Model``'s, what ``Base`` inherits
  from a mixin loses to it, ``db.Model.__doc__`` is ``Base``'s docstring, and neither
  ``db.Model`` nor the models have an ``__abstract__`` of their own
  (``tests/compat/test_model_base.py`` checks each on both sides).
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import legacy
from fss_compat.shims.query import Query

__all__ = [
    "BindMetaMixin",
    "BindMixin",
    "DefaultMeta",
    "DefaultMetaNoName",
    "Model",
    "NameMetaMixin",
    "NameMixin",
    "camel_to_snake_case",
    "should_set_tablename",
]


class _Owner(t.Protocol):
    """What a model needs from the ``SQLAlchemy`` object that built it."""

    session: orm.scoped_session[t.Any]
    _legacy_modes: legacy.Modes

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData: ...


class _QueryProperty:
    """``Model.query``: a new ``query_class`` query on the current session at every access."""

    def __get__(self, obj: Model | None, cls: type[Model]) -> Query:
        legacy.check("FSC201", cls.__fsa__)
        return cls.query_class(cls, session=cls.__fsa__.session())


class Model:
    """Behaviour added to ``db.Model``: ``query``, ``query_class`` and the ``<Name pk>`` repr.

    Subclass this and pass it as ``model_class`` to customise a SQLAlchemy 1.x-style
    ``db.Model``; for 2.x style, pass your own ``DeclarativeBase`` subclass instead.

    .. versionadded:: 0.1.0
    """

    __fsa__: t.ClassVar[_Owner]
    query_class: t.ClassVar[type[Query]] = Query
    query: t.ClassVar[Query] = _QueryProperty()  # type: ignore[assignment]

    def __repr__(self) -> str:
        state = sa.inspect(self)
        assert state is not None  # SQLAlchemy 2.0's stubs make inspect() Optional
        if state.transient:
            key = f"(transient {id(self)})"
        elif state.pending:
            key = f"(pending {id(self)})"
        else:
            key = ", ".join(str(value) for value in state.identity or ())
        return f"<{type(self).__name__} {key}>"


def _bound_metadata(cls: type) -> sa.MetaData | None:
    """The metadata ``cls`` should switch to for its ``__bind_key__``, if it differs."""
    # ``__fsa__`` in the class's own namespace marks a 2.x ``db.Model`` itself: it keeps
    # its base's metadata even when the base sets ``__bind_key__``, because upstream
    # copies the base's body, ``metadata`` included, into that class.
    if any(name in cls.__dict__ for name in ("metadata", "__table__", "__fsa__")):
        return None
    owner: _Owner = cls.__fsa__  # type: ignore[attr-defined]
    bind_key = getattr(cls, "__bind_key__", None)
    if bind_key is not None:
        legacy.check("FSC304", owner)
    metadata = owner._make_metadata(bind_key)
    return None if metadata is getattr(cls, "metadata", None) else metadata


class BindMetaMixin(type):
    """Metaclass mixin: a model with ``__bind_key__`` uses that bind's metadata.

    Ignored when the class sets ``metadata`` or ``__table__`` itself.
    """

    def __init__(cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kw: t.Any) -> None:
        metadata = _bound_metadata(cls)
        if metadata is not None:
            cls.metadata = metadata
        super().__init__(name, bases, d, **kw)


class BindMixin:
    """``DeclarativeBase`` mixin: a model with ``__bind_key__`` uses that bind's metadata."""

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        if hasattr(cls, "__bind_key__"):
            metadata = _bound_metadata(cls)
            if metadata is not None:
                cls.metadata = metadata  # type: ignore[attr-defined]
        super().__init_subclass__(**kwargs)


def _table_or_inherit(cls: type, *args: t.Any, **kwargs: t.Any) -> sa.Table | None:
    """``__table_cls__``: build the table, or return None for single-table inheritance.

    A model without a primary key column below a mapped parent maps onto the parent's
    table; without such a parent the table is built anyway so SQLAlchemy reports the
    missing primary key.
    """
    schema = kwargs.get("schema")
    key = args[0] if schema is None else f"{schema}.{args[0]}"
    has_pk = any(
        (isinstance(arg, sa.Column) and arg.primary_key) or isinstance(arg, sa.PrimaryKeyConstraint)
        for arg in args
    )
    # A name already in the metadata (reflected, or a db.Table) is picked up by name.
    inherits = any("__table__" in base.__dict__ for base in cls.__mro__[1:-1])
    if key in cls.metadata.tables or has_pk or not inherits:  # type: ignore[attr-defined]
        return sa.Table(*args, **kwargs)
    if "__tablename__" in cls.__dict__:
        delattr(cls, "__tablename__")
    return None


def _drop_unbuilt_table(cls: type) -> None:
    # After mapping: a single-table child was given ``__table__ = None``; remove it so the
    # parent's table shows through, as Flask-SQLAlchemy does.
    if "__tablename__" not in cls.__dict__ and cls.__dict__.get("__table__", False) is None:
        delattr(cls, "__table__")


def _report_generated_name(cls: type, generated: bool) -> None:
    # Only a generated name that survived mapping counts (not a single-table child's).
    if generated and "__tablename__" in cls.__dict__:
        legacy.check("FSC301", cls.__fsa__)  # type: ignore[attr-defined]


class NameMetaMixin(type):
    """Metaclass mixin: a model without ``__tablename__`` gets its snake_case class name."""

    def __init__(cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kw: t.Any) -> None:
        generated = should_set_tablename(cls)
        if generated:
            cls.__tablename__ = camel_to_snake_case(cls.__name__)
        super().__init__(name, bases, d, **kw)
        _drop_unbuilt_table(cls)
        _report_generated_name(cls, generated)

    def __table_cls__(cls, *args: t.Any, **kwargs: t.Any) -> sa.Table | None:
        return _table_or_inherit(cls, *args, **kwargs)


class NameMixin:
    """``DeclarativeBase`` mixin: a model without ``__tablename__`` gets its snake_case name."""

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        generated = should_set_tablename(cls)
        if generated:
            cls.__tablename__ = camel_to_snake_case(cls.__name__)  # type: ignore[attr-defined]
        super().__init_subclass__(**kwargs)
        _drop_unbuilt_table(cls)
        _report_generated_name(cls, generated)

    @classmethod
    def __table_cls__(cls, *args: t.Any, **kwargs: t.Any) -> sa.Table | None:
        return _table_or_inherit(cls, *args, **kwargs)


_DECLARATIVE_BASES = (orm.DeclarativeBase, orm.DeclarativeBaseNoMeta)


def _is_declarative(cls: type) -> bool:
    return (
        isinstance(cls, orm.DeclarativeMeta)
        or isinstance(cls, orm.decl_api.DeclarativeAttributeIntercept)
        or issubclass(cls, orm.DeclarativeBaseNoMeta)
    )


def should_set_tablename(cls: type) -> bool:
    """Whether ``cls`` gets a generated ``__tablename__``.

    Not for abstract classes, classes outside a declarative hierarchy, direct
    ``DeclarativeBase`` subclasses, or classes whose nearest ``__tablename__`` is their own,
    a ``declared_attr``, an abstract parent's or a plain mixin's. A name inherited from a
    mapped parent is replaced (joined inheritance); ``__table_cls__`` later drops it again
    for single-table inheritance.

    .. versionadded:: 0.1.0
    """
    # ``db.Model`` itself (the class holding ``__fsa__``) never gets a name.
    if cls.__dict__.get("__abstract__", False) or "__fsa__" in cls.__dict__:
        return False
    in_hierarchy = issubclass(cls, _DECLARATIVE_BASES) or any(
        isinstance(base, orm.DeclarativeMeta) for base in cls.__mro__[1:]
    )
    if not in_hierarchy or any(base in _DECLARATIVE_BASES for base in cls.__bases__):
        return False
    for base in cls.__mro__:
        if "__tablename__" not in base.__dict__:
            continue
        if isinstance(base.__dict__["__tablename__"], orm.declared_attr):
            return False
        return not (
            base is cls or base.__dict__.get("__abstract__", False) or not _is_declarative(base)
        )
    return True


_CAMEL_BOUNDARY = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


def camel_to_snake_case(name: str) -> str:
    """Convert ``CamelCase`` to ``snake_case`` the way Flask-SQLAlchemy 3.x names tables.

    An underscore goes before an ASCII capital that follows a lowercase letter or digit,
    or that starts a capitalised word after the first character; then the name is
    lowercased and leading underscores are stripped (``HTTPRequest`` -> ``http_request``).

    .. versionadded:: 0.1.0
    """
    return _CAMEL_BOUNDARY.sub(r"_\1", name).lower().lstrip("_")


class DefaultMeta(BindMetaMixin, NameMetaMixin, orm.DeclarativeMeta):
    """Declarative metaclass with ``__bind_key__`` and automatic ``__tablename__``."""


class DefaultMetaNoName(BindMetaMixin, orm.DeclarativeMeta):
    """Declarative metaclass with ``__bind_key__`` only (``disable_autonaming=True``)."""
