"""Reproduces Flask-SQLAlchemy 2.5.1's ``utils`` module: SQLAlchemy version checks.

``sqlalchemy`` is imported under its own name because 2.5.1's tests patch
``flask_sqlalchemy.utils.sqlalchemy`` to fake a version.

Known differences from Flask-SQLAlchemy 2.5.1: none.
"""

from __future__ import annotations

import typing as t
import warnings

import sqlalchemy

__all__ = ["engine_config_warning", "parse_version", "sqlalchemy_version"]

_OPERATORS: dict[str, t.Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
}


def parse_version(v: str) -> tuple[int, ...]:
    """``"1.2"`` as ``(1, 2, 0)``: the first three numbers, missing ones as 0.

    :param v: a version of dot-separated integers.

    .. versionadded:: 0.1.0
    """
    parts = [*v.split("."), "0", "0", "0"][:3]
    return tuple(int(part) for part in parts)


def sqlalchemy_version(op: str, val: str) -> bool:
    """Whether the installed SQLAlchemy's version compares to ``val`` as ``op`` says.

    :param op: one of ``<``, ``>``, ``<=``, ``>=``, ``==``.
    :param val: the version to compare with, as :func:`parse_version` reads it.
    :raises AssertionError: for another operator, as upstream.

    .. versionadded:: 0.1.0
    """
    if op not in _OPERATORS:
        raise AssertionError(f"op {op} not supported")
    return _OPERATORS[op](parse_version(sqlalchemy.__version__), parse_version(val))


def engine_config_warning(
    config: t.Mapping[str, t.Any], version: str, deprecated_config_key: str, engine_option: str
) -> None:
    """Warn that ``deprecated_config_key`` is set and will go in ``version``.

    :param config: the app's config.
    :param version: the Flask-SQLAlchemy version that drops the key.
    :param deprecated_config_key: the 2.x key, for example ``SQLALCHEMY_POOL_SIZE``.
    :param engine_option: its ``SQLALCHEMY_ENGINE_OPTIONS`` key, for example ``pool_size``.

    .. versionadded:: 0.1.0
    """
    if config[deprecated_config_key] is not None:
        warnings.warn(
            f"The `{deprecated_config_key}` config option is deprecated and will be removed"
            f" in v{version}.  Use `SQLALCHEMY_ENGINE_OPTIONS['{engine_option}']` instead.",
            DeprecationWarning,
            stacklevel=2,
        )
