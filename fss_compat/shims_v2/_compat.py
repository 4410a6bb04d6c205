"""Reproduces Flask-SQLAlchemy 2.5.1's ``_compat`` module: its Python 2/3 helpers.

Flask-SQLAlchemy 2.5.1's own tests import ``to_str`` from here, and some apps of that era
imported ``string_types`` or ``iteritems``. On Python 3 each is the obvious built-in.

Known differences from Flask-SQLAlchemy 2.5.1: none (``PY2`` is always False here).
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from collections.abc import Mapping

__all__ = ["PY2", "iteritems", "itervalues", "string_types", "to_str", "xrange"]

_K = t.TypeVar("_K")
_V = t.TypeVar("_V")

#: Always False: fss_compat runs on Python 3 only.
PY2 = False

#: The types a 2.x-era ``isinstance(x, string_types)`` check accepts.
string_types: tuple[type, ...] = (str,)

#: ``range``, under its Python 2 name.
xrange = range


def iteritems(d: Mapping[_K, _V]) -> Iterator[tuple[_K, _V]]:
    """``iter(d.items())``.

    .. versionadded:: 0.1.0
    """
    return iter(d.items())


def itervalues(d: Mapping[_K, _V]) -> Iterator[_V]:
    """``iter(d.values())``.

    .. versionadded:: 0.1.0
    """
    return iter(d.values())


def to_str(x: object, charset: str = "utf8", errors: str = "strict") -> str | None:
    """Text for ``x``: None and str unchanged, bytes decoded with ``charset``, else ``str(x)``.

    ``db.Model``'s 2.x repr shows primary key values this way.

    :param x: the value.
    :param charset: the encoding of bytes.
    :param errors: what decoding does with bytes that are not valid in ``charset``.

    .. versionadded:: 0.1.0
    """
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, bytes):
        return x.decode(charset, errors)
    return str(x)
