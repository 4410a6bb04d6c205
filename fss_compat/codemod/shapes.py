"""What Flask-SQLAlchemy code looks like: the one list per concept every rule family shares.

Each list here had copies in several rule modules, and the copies drifted apart (the query
builders: 7 names in one, 12 in the other, so ``user.posts.distinct().paginate()`` went
unreported). A rule that needs one of these concepts imports it from here.
"""

from __future__ import annotations

import ast
import dataclasses
import typing as t

import libcst as cst
import libcst.matchers as m

#: Query methods that ``Select`` has with the same meaning: a legacy chain keeps them as they
#: are, and a dynamic relationship's chain goes through them to its terminal method.
QUERY_BUILDERS = frozenset(
    {
        "filter",
        "filter_by",
        "where",
        "order_by",
        "group_by",
        "having",
        "limit",
        "offset",
        "distinct",
        "join",
        "outerjoin",
        "options",
    }
)
#: The methods Flask-SQLAlchemy's Query adds, which a plain Query (a dynamic collection's, or
#: a plain session's ``session.query(...)``) lacks.
FSA_QUERY_METHODS = frozenset({"paginate", "first_or_404", "one_or_404", "get_or_404"})
#: The terminal methods of a legacy query that FSC201 rewrites wherever the query was built
#: (``get`` and ``get_or_404`` only on ``Model.query`` itself).
QUERY_TERMINALS = frozenset(
    {"all", "first", "one", "one_or_none", "count", "paginate", "first_or_404", "one_or_404"}
)
#: Builders after which the legacy Query de-duplicates rows that scalars() would repeat.
UNIQUE = frozenset({"join", "outerjoin", "options"})
#: The keyword arguments each terminal's 2.x form takes as they are.
TERMINAL_KEYWORDS: dict[str, frozenset[str]] = {
    "get_or_404": frozenset({"description"}),
    "first_or_404": frozenset({"description"}),
    "one_or_404": frozenset({"description"}),
    "paginate": frozenset({"page", "per_page", "max_per_page", "error_out", "count"}),
}


def arguments_fit(method: str, call: cst.Call) -> bool:
    """Whether a terminal's arguments are ones its 2.x form carries over unchanged."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    if any(arg.star for arg in call.args):
        return False
    allowed = TERMINAL_KEYWORDS.get(method, frozenset())
    if method in ("get", "get_or_404"):
        return len(positional) == 1 and keywords <= allowed
    if method in TERMINAL_KEYWORDS:
        return not positional and keywords <= allowed
    return not call.args


#: The functions on ``db`` (and in ``sqlalchemy.orm``) that declare a relationship.
RELATIONSHIP_FUNCTIONS = frozenset({"relationship", "relation", "dynamic_loader"})


class NotLiteral:
    """The value :func:`literal` gives for an expression that is not a literal."""

    def __repr__(self) -> str:
        return "NOT_LITERAL"


#: See :class:`NotLiteral`.
NOT_LITERAL = NotLiteral()


def literal(node: cst.BaseExpression) -> object:
    """The value of a literal expression (``"dynamic"``, ``True``, ``("a", {})``), or
    :data:`NOT_LITERAL`.
    """
    try:
        return t.cast(object, ast.literal_eval(cst.Module([]).code_for_node(node)))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL


_DOCSTRING = m.SimpleStatementLine(
    body=[m.Expr(value=m.SimpleString() | m.ConcatenatedString()), m.ZeroOrMore()]
)


def is_docstring(statement: cst.CSTNode) -> bool:
    """Whether ``statement``, first in a body, is that body's docstring."""
    return m.matches(statement, _DOCSTRING)


def last_name(node: cst.BaseExpression) -> str:
    """``Column`` for ``Column``, ``sa.Column`` or ``db.Column``; ``""`` for other shapes."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def keywords(call: cst.Call) -> dict[str, cst.BaseExpression]:
    """A call's keyword arguments, by name."""
    return {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}


@dataclasses.dataclass(frozen=True)
class Laziness:
    """How a relationship call loads: what FSC104 and the dynamic-use sites rely on.

    :param dynamic: ``lazy="dynamic"`` (or ``dynamic_loader``): the collection is a Query.
    :param backref: whether its backref is dynamic.
    :param backrefs: the names of the dynamic backrefs it creates on the other class (when
        the tool can read them).
    :param unknown: why the tool cannot tell (``**kwargs``, a ``lazy=`` it cannot read);
        ``""`` when it can.
    """

    dynamic: bool = False
    backref: bool = False
    backrefs: tuple[str, ...] = ()
    unknown: str = ""

    @property
    def any_dynamic(self) -> bool:
        """Whether the call makes a dynamic collection on either side."""
        return self.dynamic or self.backref


def _lazy(call: cst.Call) -> Laziness:
    if any(arg.star == "**" for arg in call.args):
        return Laziness(unknown="it passes **kwargs, so the tool cannot see lazy=")
    value = keywords(call).get("lazy")
    if value is None:
        return Laziness()
    lazy = literal(value)
    if lazy is NOT_LITERAL:
        return Laziness(unknown="lazy= is not a literal the tool can read")
    return Laziness(dynamic=lazy == "dynamic")


def laziness(call: cst.Call) -> Laziness:
    """How the relationship ``call`` (``db.relationship(...)`` and the like) loads."""
    if last_name(call.func) == "dynamic_loader":
        return Laziness(dynamic=True)
    own = _lazy(call)
    backrefs: list[str] = []
    unknown = own.unknown
    dynamic_backref = False
    value = keywords(call).get("backref")
    if value is not None and not isinstance(value, cst.SimpleString):
        if isinstance(value, cst.Call):
            backref = _lazy(value)
            name = literal(value.args[0].value) if value.args else NOT_LITERAL
        else:
            pair = literal(value)
            backref = Laziness(unknown="backref= is not a literal the tool can read")
            name = NOT_LITERAL
            if isinstance(pair, tuple) and len(pair) == 2:
                options = pair[1] if isinstance(pair[1], dict) else {}
                backref, name = Laziness(dynamic=options.get("lazy") == "dynamic"), pair[0]
        dynamic_backref = backref.dynamic
        if backref.dynamic and isinstance(name, str):
            backrefs.append(name)
        if backref.unknown and not unknown:
            unknown = f"its backref: {backref.unknown}"
    return Laziness(own.dynamic, dynamic_backref, tuple(backrefs), unknown)


#: Config keys that switch a legacy feature on, with the feature and its rewrite.
CONFIG_SWITCHES: dict[str, tuple[str, str]] = {
    "SQLALCHEMY_RECORD_QUERIES": ("FSC602", "recorded-queries"),
    "SQLALCHEMY_TRACK_MODIFICATIONS": ("FSC603", "track-modifications"),
}


def _string(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else ""
    return ""


def config_settings(node: cst.CSTNode) -> list[tuple[str, cst.BaseExpression | None]]:
    """``(key, value)`` for what ``node`` may set in a config: ``KEY = value`` (a config
    object), ``config["KEY"] = value``, ``update(KEY=value)`` and ``{"KEY": value}``.
    """
    if isinstance(node, cst.Assign):
        targets = [target.target for target in node.targets]
        value: cst.BaseExpression | None = node.value
    elif isinstance(node, cst.AnnAssign):
        targets, value = [node.target], node.value
    elif isinstance(node, cst.Arg):
        return [(node.keyword.value, node.value)] if node.keyword is not None else []
    elif isinstance(node, cst.DictElement):
        return [(_string(node.key), node.value)]
    else:
        return []
    found: list[tuple[str, cst.BaseExpression | None]] = []
    for target in targets:
        if isinstance(target, cst.Name):
            found.append((target.value, value))
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                found.append((_string(index.value), value))
    return found


def may_enable(value: cst.BaseExpression | None) -> bool:
    """Whether a config value may turn a feature on (anything but a false literal)."""
    if value is None:
        return True
    found = literal(value)
    return found is NOT_LITERAL or bool(found)


#: The names of Flask-SQLAlchemy 2.5.1's ``flask_sqlalchemy`` (and of its ``model`` module)
#: that 3.1's lacks, by module: where 3.1 has each (``module.name``) when the name is the
#: same object in a new place, or ``""`` when 3.1 has nothing that behaves the same (each
#: of those has its own feature, or is private).
V2_ONLY: dict[str, dict[str, str]] = {
    "flask_sqlalchemy": {
        "BaseQuery": "flask_sqlalchemy.query.Query",
        "DefaultMeta": "flask_sqlalchemy.model.DefaultMeta",
        "Model": "flask_sqlalchemy.model.Model",
        "Pagination": "flask_sqlalchemy.pagination.Pagination",
        "before_models_committed": "flask_sqlalchemy.track_modifications.before_models_committed",
        "models_committed": "flask_sqlalchemy.track_modifications.models_committed",
        "FSADeprecationWarning": "",
        "SignallingSession": "",
        "get_debug_queries": "",
        "get_state": "",
        "_BoundDeclarativeMeta": "",
        "_DebugQueryTuple": "",
        "_EngineConnector": "",
        "_EngineDebuggingSignalEvents": "",
        "_QueryProperty": "",
        "_SQLAlchemyState": "",
        "_SessionSignalEvents": "",
        "_calling_context": "",
        "_compat": "",
        "_ident_func": "",
        "_record_queries": "",
        "_timer": "",
        "sqlalchemy": "",
        "utils": "",
    },
    "flask_sqlalchemy.model": {"camelcase_re": ""},
}
#: Flask-SQLAlchemy 2.5.1's modules that 3.1 dropped: every name of theirs is 2.x-only.
V2_MODULES = frozenset({"flask_sqlalchemy._compat", "flask_sqlalchemy.utils"})


def v2_only(module: str, name: str) -> bool:
    """Whether ``from <module> import <name>`` is a name only Flask-SQLAlchemy 2.x had."""
    return module in V2_MODULES or name in V2_ONLY.get(module, {})


def with_tablename(node: cst.ClassDef, name: str) -> cst.ClassDef:
    """``node`` with ``__tablename__ = "<name>"`` first in its body, after a docstring."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return node
    statements = list(body.body)
    at = 1 if statements and is_docstring(statements[0]) else 0
    new = cst.parse_statement(f'__tablename__ = "{name}"\n')
    if at < len(statements):
        # Blank lines above the next statement move above the new one; its comments stay.
        following: t.Any = statements[at]
        lines = list(following.leading_lines)
        blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
        new = new.with_changes(leading_lines=lines[:blank])
        statements[at] = following.with_changes(leading_lines=lines[blank:])
    statements.insert(at, new)
    return node.with_changes(body=body.with_changes(body=statements))


#: Flask-SQLAlchemy 2.x's config keys that 3.x dropped, with the feature and its rewrite.
V2_CONFIG: dict[str, tuple[str, str]] = {
    "SQLALCHEMY_COMMIT_ON_TEARDOWN": ("FSC708", "commit"),
    "SQLALCHEMY_POOL_SIZE": ("FSC709", "engine-options"),
    "SQLALCHEMY_POOL_TIMEOUT": ("FSC709", "engine-options"),
    "SQLALCHEMY_POOL_RECYCLE": ("FSC709", "engine-options"),
    "SQLALCHEMY_MAX_OVERFLOW": ("FSC709", "engine-options"),
    "SQLALCHEMY_NATIVE_UNICODE": ("FSC709", "engine-options"),
}


def v2_config_enables(key: str, value: cst.BaseExpression | None) -> bool:
    """Whether setting 2.x's config ``key`` to ``value`` may change what 2.x does: a true
    value for ``SQLALCHEMY_COMMIT_ON_TEARDOWN``; anything but ``None`` for the engine keys,
    which 2.x skips when they are ``None`` (``False`` and ``0`` are values).
    """
    if V2_CONFIG[key][0] == "FSC708":
        return may_enable(value)
    return value is None or literal(value) is not None
