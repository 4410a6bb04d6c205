"""Keyset cursors: a position in an order, as signed, URL-safe text.

A cursor holds a format version, the digest of the order it belongs to (the
``fingerprint`` of :class:`fss_compat.core.ordering.SortKey`), a direction (the page after or
before the position) and the sort key values of the row at the position, as JSON signed
with HMAC-SHA256 by itsdangerous (a Flask dependency) under a salt of its own, so that
no other signed value of the app (a session cookie, a token) is accepted as a cursor.

Values JSON has no type for are written as ``[tag, text]`` and read back as the same
Python type, so they bind as the column's type: ``datetime``, ``date``, ``time``,
``timedelta``, ``Decimal``, ``UUID``, ``bytes`` and ``float`` (``nan`` and ``inf`` too).
An ``Enum`` member is written as its name, which SQLAlchemy's ``Enum`` type binds.

Reading never raises for client input: anything that is not a cursor this code wrote for
this order, with this key, reads as ``None`` (see :meth:`Cursors.read`).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import hashlib
import typing as t
import uuid

import itsdangerous
from flask import current_app
from flask import has_app_context

__all__ = ["MAX_CURSOR", "NEXT", "PREV", "Cursors", "Position"]

#: The longest cursor read; longer ones are refused before they are decoded.
MAX_CURSOR = 4096
#: The direction of a cursor to the page after the position.
NEXT = "n"
#: The direction of a cursor to the page before the position.
PREV = "p"
_SALT = "fss_compat.keyset"
_VERSION = 1


def _duration(text: str) -> dt.timedelta:
    return dt.timedelta(microseconds=int(text))


def _microseconds(value: dt.timedelta) -> str:
    return str(value // dt.timedelta(microseconds=1))


# Sort key values JSON has no type for, as [tag, text]. datetime before date: a subclass.
_CODECS: tuple[tuple[type, str, t.Callable[[t.Any], str], t.Callable[[str], object]], ...] = (
    (float, "f", repr, float),
    (dt.datetime, "dt", dt.datetime.isoformat, dt.datetime.fromisoformat),
    (dt.date, "d", dt.date.isoformat, dt.date.fromisoformat),
    (dt.time, "t", dt.time.isoformat, dt.time.fromisoformat),
    (dt.timedelta, "td", _microseconds, _duration),
    (decimal.Decimal, "n", str, decimal.Decimal),
    (uuid.UUID, "u", lambda value: value.hex, uuid.UUID),
    (bytes, "b", lambda value: base64.urlsafe_b64encode(value).decode(), base64.urlsafe_b64decode),
)
_DECODERS = {tag: decode for _, tag, _, decode in _CODECS}


class _NotACursor(Exception):
    pass


def _encode(value: object) -> object:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    for kind, tag, encode, _ in _CODECS:
        if isinstance(value, kind):
            return [tag, encode(value)]
    raise TypeError(
        f"A keyset cursor cannot hold the sort key value {value!r} ({type(value).__name__})."
        " Order by columns of a number, text, date, time, UUID, bytes or enum type."
    )


def _decode(item: object) -> object:
    if item is None or isinstance(item, (bool, int, str)):
        return item
    if isinstance(item, list) and len(item) == 2 and all(isinstance(p, str) for p in item):
        decode = _DECODERS.get(item[0])
        if decode is not None:
            return decode(item[1])
    raise _NotACursor


class Position(t.NamedTuple):
    """What a cursor points at: a direction (:data:`NEXT` or :data:`PREV`) and values."""

    direction: str
    values: list[object]


class Cursors:
    """Writes and reads the cursors of one order.

    :param secret_key: the signing key; the current app's ``SECRET_KEY`` if ``None``.
    :param fingerprint: the digest of the order.
    :param width: the number of terms in the order.
    :raises RuntimeError: when there is no key.

    .. versionadded:: 0.1.0
    """

    def __init__(self, secret_key: str | bytes | None, fingerprint: str, width: int) -> None:
        if secret_key is None:
            secret_key = current_app.secret_key if has_app_context() else None
        if not secret_key:
            raise RuntimeError(
                "Keyset pagination signs its cursors with the app's 'SECRET_KEY', and there"
                f" is none (secret key {secret_key!r}). Set app.config['SECRET_KEY'], or"
                " pass secret_key= to keyset_paginate()."
            )
        self._serializer = itsdangerous.URLSafeSerializer(
            secret_key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self._fingerprint = fingerprint
        self._width = width

    def write(self, direction: str, values: t.Sequence[object]) -> str:
        """The cursor of the page in ``direction`` from the row whose sort key is ``values``.

        :param direction: :data:`NEXT` or :data:`PREV`.
        :param values: the row's sort key values.
        :raises TypeError: for a value of a type a cursor cannot hold.
        """
        payload = [_VERSION, self._fingerprint, direction, [_encode(v) for v in values]]
        return self._serializer.dumps(payload)

    def read(self, cursor: str) -> Position | None:
        """The position in ``cursor``, or ``None`` when it is not a cursor of this order.

        ``None`` for text longer than :data:`MAX_CURSOR` or not ASCII, a bad signature,
        another version, order or width, and values that do not decode.

        :param cursor: text from the client.
        """
        if len(cursor) > MAX_CURSOR or not cursor.isascii():
            return None
        try:
            payload = self._serializer.loads(cursor)
        except itsdangerous.BadData:
            return None
        if not (
            isinstance(payload, list)
            and len(payload) == 4
            and payload[:2] == [_VERSION, self._fingerprint]
            and payload[2] in (NEXT, PREV)
            and isinstance(payload[3], list)
            and len(payload[3]) == self._width
        ):
            return None
        try:
            return Position(payload[2], [_decode(item) for item in payload[3]])
        except (_NotACursor, ValueError, ArithmeticError, TypeError):
            return None
