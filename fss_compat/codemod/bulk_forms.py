"""``Model.query...delete()`` and ``...update(values)`` as ORM-enabled DML (FSC201).

SQLAlchemy's ``Query.delete()`` builds ``delete(Model)`` with the query's WHERE criteria,
runs it with ``session.execute(..., execution_options={"synchronize_session": ...})``
and returns the result's ``rowcount``; ``Query.update(values)`` does the same with
``update(Model).values(values)``. The rewrite writes those steps, so the SQL, the
synchronisation of the session and the returned count are the same; only two legacy
events are not fired by the plain form: ``after_bulk_delete`` / ``after_bulk_update``
(session events) and ``before_compile_delete`` / ``before_compile_update`` (query
events). A project that names one of them keeps its ``Query`` calls.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import libcst as cst

from fss_compat.codemod.call_edits import keyworded
from fss_compat.codemod.call_edits import with_last_comma

#: The bulk terminals, and the builders whose criteria they carry (``Query.delete()``
#: refuses joins, ordering and limits).
BULK_TERMINALS = frozenset({"delete", "update"})
BULK_BUILDERS = frozenset({"filter", "filter_by", "where"})
#: The events ``Query.delete()`` and ``Query.update()`` fire and ``session.execute`` does not.
BULK_EVENTS = {
    "delete": ("after_bulk_delete", "before_compile_delete"),
    "update": ("after_bulk_update", "before_compile_update"),
}


#: The parameters of ``Query.delete()`` and ``Query.update()`` that the rewrite carries, in
#: their order (``delete_args`` and ``update_args`` are not carried).
_PARAMETERS = {"delete": ("synchronize_session",), "update": ("values", "synchronize_session")}


def bulk_arguments(method: str, call: cst.Call) -> dict[str, cst.BaseExpression] | None:
    """The arguments of ``.delete(...)`` / ``.update(...)`` by name (``values``,
    ``synchronize_session``), or None when the call passes others (``delete_args``,
    ``update_args``, ``*args``) or lacks ``update``'s values.
    """
    parameters = _PARAMETERS[method]
    positional = [arg.value for arg in call.args if arg.keyword is None]
    if any(arg.star for arg in call.args) or len(positional) > len(parameters):
        return None
    found = dict(zip(parameters, positional, strict=False))
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value not in parameters or arg.keyword.value in found:
                return None
            found[arg.keyword.value] = arg.value
    if method == "update" and "values" not in found:
        return None
    return found


def bulk_statement(
    method: str,
    arguments: dict[str, cst.BaseExpression],
    statement: cst.BaseExpression,
    db: str,
    discarded: bool,
) -> cst.BaseExpression:
    """``db.session.execute(<statement>[.values(...)], ...)``, then ``.rowcount`` unless the
    value is ``discarded`` (the call is a statement of its own).

    :param statement: ``sa.delete(Model)`` or ``sa.update(Model)`` with the chain's criteria.
    """
    if method == "update":
        method_call = cst.Attribute(statement, cst.Name("values"))
        statement = cst.Call(method_call, [cst.Arg(arguments["values"])])
    args = [cst.Arg(statement)]
    if "synchronize_session" in arguments:
        key = cst.SimpleString('"synchronize_session"')
        value = cst.Dict([cst.DictElement(key, arguments["synchronize_session"])])
        args.append(keyworded(cst.Arg(value), "execution_options"))
    executed = cst.Call(cst.parse_expression(f"{db}.session.execute"), with_last_comma(args, ()))
    return executed if discarded else cst.Attribute(executed, cst.Name("rowcount"))
