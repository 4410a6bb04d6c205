"""The page numbers of a ``paginate(...)`` call: which it gives, which it reads from the
request, and the edits that name them (2.x's positional ones as keywords, FSC701; those
read from the request as ``page_from_request()`` and ``per_page_from_request()``, FSC605).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import libcst as cst

from fss_compat.codemod.call_edits import keyworded
from fss_compat.codemod.call_edits import with_last_comma
from fss_compat.codemod.shapes import NOT_LITERAL
from fss_compat.codemod.shapes import keywords
from fss_compat.codemod.shapes import literal

#: Flask-SQLAlchemy 2.x's ``Query.paginate`` arguments in their order; 3.x takes them by
#: keyword only.
PAGINATE_ARGUMENTS = ("page", "per_page", "error_out", "max_per_page")


def is_none(node: cst.BaseExpression | None) -> bool:
    """Whether ``node`` is the name ``None``."""
    return isinstance(node, cst.Name) and node.value == "None"


def paginate_arguments(call: cst.Call) -> dict[str, cst.BaseExpression]:
    """A query's ``paginate(...)`` arguments by name: the keywords, and 2.x's positional ones."""
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    found = dict(zip(PAGINATE_ARGUMENTS, positional, strict=False))
    found.update(keywords(call))
    return found


def from_request(call: cst.Call, *, by_position: bool = True) -> list[str]:
    """Which of ``page`` and ``per_page`` a ``paginate(...)`` takes from the request: those
    it does not give, or gives as ``None``.

    :param by_position: read 2.x's positional numbers (a query's ``paginate``); ``False`` for
        ``db.paginate(select, ...)``, whose one positional argument is the select.
    """
    given = paginate_arguments(call) if by_position else keywords(call)
    return [name for name in ("page", "per_page") if name not in given or is_none(given[name])]


def reads_request(call: cst.Call, *, by_position: bool = True) -> bool:
    """Whether a ``paginate(...)`` takes ``page`` or ``per_page`` from the request (see
    :func:`from_request`).
    """
    return bool(from_request(call, by_position=by_position))


def repeatable(node: cst.BaseExpression) -> bool:
    """Whether ``node`` may be written twice: a literal, a name or ``a.b`` (no call runs)."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name) or literal(node) is not NOT_LITERAL


def from_request_blocked(call: cst.Call) -> str:
    """Why FSC605 cannot name the numbers ``db.paginate(...)`` reads, or ``""``."""
    if any(arg.star for arg in call.args):
        return "it passes *args or **kwargs"
    if sum(arg.keyword is None for arg in call.args) != 1:
        return "the select is not its one positional argument"
    given = keywords(call)
    copied = [name for name in ("error_out", "max_per_page") if name in given]
    if any(not repeatable(given[name]) for name in copied):
        return "error_out= or max_per_page= is an expression the rewrite would evaluate twice"
    return ""


def with_numbers_from_request(call: cst.Call, helpers: dict[str, str]) -> cst.Call:
    """``db.paginate(...)`` giving the numbers it would read from the request.

    Each of ``page=`` and ``per_page=`` in ``helpers``, missing or ``None``, becomes a call
    of its helper, with the call's ``error_out=`` (and ``max_per_page=`` for ``per_page``);
    a missing one goes after the select.

    :param helpers: ``page`` and ``per_page`` (those :func:`from_request` names) to the
        names of ``fss_compat.page_from_request`` and ``per_page_from_request`` here.
    """
    given = keywords(call)
    # max_per_page=None is the default; error_out=None is falsy, so it is passed on.
    options = {
        name: given[name]
        for name in ("max_per_page", "error_out")
        if name in given and not (name == "max_per_page" and is_none(given[name]))
    }
    passed: dict[str, set[str]] = {"page": {"error_out"}, "per_page": set(options)}
    args = list(call.args)
    for name in ("page", "per_page"):
        if name not in helpers:
            continue
        named = [arg.keyword.value if arg.keyword else "" for arg in args]
        passes = [(key, node) for key, node in options.items() if key in passed[name]]
        arguments = [keyworded(cst.Arg(node), key) for key, node in passes]
        value = cst.Call(cst.parse_expression(helpers[name]), with_last_comma(arguments, ()))
        if name in named:
            found = named.index(name)
            args[found] = args[found].with_changes(value=value)
        else:
            # After the select, or after page= for per_page=.
            at = named.index("page") + 1 if "page" in named else 1
            args.insert(at, keyworded(cst.Arg(value), name))
    return call.with_changes(args=with_last_comma(args, call.args))
