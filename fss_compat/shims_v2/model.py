"""Reproduces Flask-SQLAlchemy 2.5.1's ``model`` module: ``db.Model``, its names and bind keys.

``db.Model`` at the 2.5 level is a declarative base with :class:`DefaultMeta`: a model
without ``__tablename__`` is named by 2.x's :func:`camel_to_snake_case`, and a model's
``__bind_key__`` is written into its table's ``info["bind_key"]``; every table stays in
the one ``db.metadata``. Inheritance rules (single-table children keep their parent's
table, joined children get a name) are the 3.1 shim's, which are 2.5.1's.

Known differences from Flask-SQLAlchemy 2.5.1: none.
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import legacy
from fss_compat.shims import model as model_v3
from fss_compat.shims.model import should_set_tablename
from fss_compat.shims_v2._compat import to_str

__all__ = [
    "BindMetaMixin",
    "DefaultMeta",
    "Model",
    "NameMetaMixin",
    "camel_to_snake_case",
    "camelcase_re",
    "should_set_tablename",
]

#: A run of capitals followed by a lowercase letter or a digit: one word boundary of 2.x.
camelcase_re = re.compile(r"([A-Z]+)(?=[a-z0-9])")


def _join_word(match: re.Match[str]) -> str:
    # A run of several capitals is an acronym followed by the next word's capital:
    # "HTTPRequest" -> "_http_request"; one capital starts a word.
    word = match.group()
    if len(word) > 1:
        return f"_{word[:-1]}_{word[-1]}".lower()
    return f"_{word.lower()}"


def camel_to_snake_case(name: str) -> str:
    """Convert ``CamelCase`` to a table name the way Flask-SQLAlchemy 2.x did.

    Only the capitals that start a word are lowercased and get an underscore: a capital
    (or run of capitals) followed by a lowercase letter or a digit. Capitals at the end
    stay as they are, so 2.x and 3.x names differ for some classes: ``"Test3D"`` is
    ``"test3D"`` here and ``"test3_d"`` in 3.x; ``"ABC1"`` is ``"ab_c1"`` here and
    ``"abc1"`` in 3.x.

    .. versionadded:: 0.1.0
    """
    return camelcase_re.sub(_join_word, name).lstrip("_")


def _owner(cls: type) -> legacy._HasModes | None:
    # ``__fsa__`` is set on db.Model by the 2.5-level SQLAlchemy; a base made with these
    # metaclasses outside a db has none, and its uses follow the process modes.
    owner: legacy._HasModes | None = getattr(cls, "__fsa__", None)
    return owner


class NameMetaMixin(model_v3.NameMetaMixin):
    """Metaclass mixin: a model without ``__tablename__`` gets 2.x's name for its class."""

    def __init__(cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kw: t.Any) -> None:
        generated = should_set_tablename(cls)
        if generated:
            cls.__tablename__ = camel_to_snake_case(cls.__name__)
        # The 3.1 mixin now sees the name as the class's own and keeps it; it still builds
        # (or skips, for single-table inheritance) the table the way 2.5.1 does.
        super().__init__(name, bases, d, **kw)
        if generated and "__tablename__" in cls.__dict__:
            owner = _owner(cls)
            legacy.check("FSC301", owner)
            if cls.__tablename__ != model_v3.camel_to_snake_case(cls.__name__):
                legacy.check("FSC710", owner)


class BindMetaMixin(type):
    """Metaclass mixin: ``__bind_key__`` is written into the table's ``info["bind_key"]``."""

    def __init__(cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kw: t.Any) -> None:
        bind_key = d.pop("__bind_key__", None) or getattr(cls, "__bind_key__", None)
        super().__init__(name, bases, d, **kw)
        table = getattr(cls, "__table__", None)
        if bind_key is not None and table is not None:
            table.info["bind_key"] = bind_key
            owner = _owner(cls)
            legacy.check("FSC304", owner)
            legacy.check("FSC713", owner)


class DefaultMeta(NameMetaMixin, BindMetaMixin, orm.DeclarativeMeta):
    """The metaclass of 2.x's ``db.Model``: automatic table names and bind keys."""


class Model:
    """Behaviour added to 2.x's ``db.Model``: ``query``, ``query_class`` and the repr.

    Subclass this and pass it as ``model_class`` to customise ``db.Model``.

    .. versionadded:: 0.1.0
    """

    #: The query class of :attr:`query`; ``db.Query`` unless set.
    query_class: t.ClassVar[type[orm.Query[t.Any]] | None] = None

    #: ``Model.query``: a query of this model on the current session (set by the db).
    query: t.ClassVar[t.Any] = None

    def __repr__(self) -> str:
        state = sa.inspect(self)
        assert state is not None  # SQLAlchemy 2.0's stubs make inspect() Optional
        # 2.x shows "(transient ...)" until the row has an identity, pending rows too.
        if state.identity is None:
            key = f"(transient {id(self)})"
        else:
            key = ", ".join(str(to_str(value)) for value in state.identity)
        return f"<{type(self).__name__} {key}>"
