"""Writing a call's arguments as the formatters do: ``name=value``, ``a, b``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t

import libcst as cst

_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def keyworded(arg: cst.Arg, name: str) -> cst.Arg:
    """``arg`` passed as ``name=``."""
    return arg.with_changes(keyword=cst.Name(name), equal=_NO_SPACE)


def with_last_comma(args: list[cst.Arg], original: t.Sequence[cst.Arg]) -> list[cst.Arg]:
    """``args`` ending as ``original`` did (its last comma, or none), after some were left
    out or added; every argument before the last has a comma.
    """
    for position, arg in enumerate(args[:-1]):
        if not isinstance(arg.comma, cst.Comma):
            args[position] = arg.with_changes(comma=_COMMA)
    if args and original and args[-1] is not original[-1]:
        args[-1] = args[-1].with_changes(comma=original[-1].comma)
    return args
