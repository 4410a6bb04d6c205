"""``db.Column``, ``db.select``, ...: SQLAlchemy names forwarded on the ``db`` object.

Flask-SQLAlchemy resolves any unknown attribute through ``__getattr__`` on every access,
looking in ``sqlalchemy`` first, then ``sqlalchemy.orm``. Here the same names, in the same
order, are listed once at import and set on the class as descriptors: resolution costs a
plain attribute lookup, and the list (:data:`FORWARDED`) can be inspected and tested.
"""

from __future__ import annotations

import types
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import legacy

_T = t.TypeVar("_T", bound=type)


def _public_names(module: types.ModuleType) -> list[str]:
    return [name for name in dir(module) if not name.startswith("_")]


def _forwarded() -> dict[str, tuple[types.ModuleType, str]]:
    names: dict[str, tuple[types.ModuleType, str]] = {}
    for module in (sa, orm):
        for name in _public_names(module):
            names.setdefault(name, (module, name))
    return names


#: Name on ``db`` -> (module, name) it forwards to; ``sqlalchemy`` wins over ``sqlalchemy.orm``.
FORWARDED: dict[str, tuple[types.ModuleType, str]] = _forwarded()


class _Forward:
    """Class attribute returning one SQLAlchemy object, never bound as a method."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __get__(self, obj: object, owner: type | None = None) -> object:
        if legacy._active and obj is not None:
            legacy.used("FSC101")
        return self.value


def forward_sqlalchemy_names(cls: _T) -> _T:
    """Class decorator: add every name in :data:`FORWARDED` that ``cls`` does not define."""
    defined = {name for klass in cls.__mro__ for name in vars(klass)}
    for name, (module, attr) in FORWARDED.items():
        if name not in defined:
            setattr(cls, name, _Forward(getattr(module, attr)))
    return cls
