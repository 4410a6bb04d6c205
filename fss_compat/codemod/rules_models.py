"""Family 3xx, models: the facts every other rule relies on (which classes are models, which
objects are ``db``), explicit table names (FSC301), the move to the app's own base (FSC303)
and bind keys (FSC304).
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import typing as t
from pathlib import Path

import libcst as cst
import sqlalchemy as sa

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import Context
from fss_compat.codemod.engine import Finalizer
from fss_compat.codemod.engine import Handler
from fss_compat.codemod.engine import Options
from fss_compat.codemod.project import ClassFacts
from fss_compat.codemod.project import DbFacts
from fss_compat.codemod.project import Index
from fss_compat.codemod.rules_names import dynamic
from fss_compat.shims.model import camel_to_snake_case

_RELATIONSHIPS = frozenset({"relationship", "relation", "dynamic_loader"})


def on_module(ctx: Context, node: cst.Module) -> None:
    """Module-level imports, as aliases other modules' names resolve through."""
    for name, bound in ctx.bindings.items():
        if len(bound) == 1:
            (qname,) = bound
            if qname != f"{ctx.module_name}.{name}":
                ctx.facts.aliases[name] = qname


def on_assign(ctx: Context, node: cst.Assign | cst.AnnAssign) -> None:
    """Module level: ``db = SQLAlchemy(...)`` and ``Base = db.Model``-style aliases."""
    if len(ctx.statements) != 1 or ctx.nesting or node.value is None:
        return
    targets = (
        [target.target for target in node.targets]
        if isinstance(node, cst.Assign)
        else [node.target]
    )
    names = [target.value for target in targets if isinstance(target, cst.Name)]
    value = node.value
    if isinstance(value, (cst.Name, cst.Attribute)):
        found = sorted(ctx.qnames(value))
        for name in names:
            if found:
                ctx.facts.aliases[name] = found[0]
    elif isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
        constructor = sorted(ctx.qnames(value.func))
        if not constructor:
            return
        model_class = ""
        query_class = False
        for arg in value.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword == "model_class" and isinstance(arg.value, (cst.Name, cst.Attribute)):
                model_class = min(ctx.qnames(arg.value), default="")
            query_class = query_class or keyword == "query_class"
        for name in names:
            qname = f"{ctx.module_name}.{name}"
            ctx.facts.dbs.append(DbFacts(qname, constructor, model_class, query_class))


def _assigned(statement: cst.BaseStatement) -> list[tuple[str, cst.BaseSmallStatement]]:
    """``(name, small statement)`` for each plain name assigned in a class-body statement."""
    found: list[tuple[str, cst.BaseSmallStatement]] = []
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        found.append((target.target.value, small))
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                found.append((small.target.value, small))
    return found


def _facts(ctx: Context, node: cst.ClassDef, qname: str, line: int) -> ClassFacts:
    bases = [
        min(ctx.qnames(arg.value), default="")
        for arg in node.bases
        if arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute))
    ]
    facts = ClassFacts(qname, ctx.path, line, [base for base in bases if base])
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    for statement in body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__tablename__":
            facts.tablename = "declared_attr"
        for name, small in _assigned(statement):
            value = t.cast(t.Any, small).value
            if name == "__tablename__":
                facts.tablename = facts.tablename or "explicit"
            elif name == "__table__":
                facts.table = True
            elif name == "__abstract__":
                facts.abstract = isinstance(value, cst.Name) and value.value == "True"
            elif name == "__bind_key__":
                facts.bind_key = True
            elif name == "query_class":
                facts.query_class = True
            if isinstance(value, cst.Call):
                keywords = {
                    arg.keyword.value: arg.value for arg in value.args if arg.keyword is not None
                }
                key = keywords.get("primary_key")
                facts.primary_key |= isinstance(key, cst.Name) and key.value == "True"
                callee = value.func
                attr = callee.attr.value if isinstance(callee, cst.Attribute) else ""
                if attr in _RELATIONSHIPS or (
                    isinstance(callee, cst.Name) and callee.value in _RELATIONSHIPS
                ):
                    state, backrefs = dynamic(value)
                    facts.dynamic += [name] if state == "dynamic" else []
                    facts.dynamic += backrefs
    return facts


def on_class(ctx: Context, node: cst.ClassDef) -> None:
    """A class: record its facts; report its table name, bind key and base."""
    qname = ".".join([ctx.module_name, *ctx.nesting, node.name.value])
    line = ctx.line + len(node.leading_lines) + len(node.decorators)
    line += len(node.lines_after_decorators)
    facts = _facts(ctx, node, qname, line)
    ctx.facts.classes.append(facts)
    name = node.name.value
    tablename = Candidate(
        line, "FSC301", "runtime", f"model '{name}' has no __tablename__", "class", (qname,)
    )
    finding = ctx.report(tablename, node)
    if ctx.applies(finding) and finding is not None:
        table = finding.data
        ctx.replace(node, lambda updated: _with_tablename(updated, table))
    if any(base.endswith(".Model") for base in facts.bases):
        message = f"model '{name}' subclasses db.Model"
        finding = ctx.report(Candidate(line, "FSC303", "base", message, "class", (qname,)), node)
        if ctx.applies(finding) and finding is not None:
            _move_base(ctx, node, finding.data)
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
    for statement in body:
        for assigned, _ in _assigned(statement):
            if assigned == "__bind_key__":
                message = f"model '{name}' routes to another database with __bind_key__"
                candidate = Candidate(line, "FSC304", "bind-key", message, "class", (qname,))
                ctx.statements.append(statement)
                ctx.report(candidate, statement)
                ctx.statements.pop()


def _with_tablename(node: cst.ClassDef, name: str) -> cst.ClassDef:
    """``node`` with ``__tablename__ = "<name>"`` first in its body, after a docstring."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return node
    statements = list(body.body)
    at = 1 if statements and _docstring(statements[0]) else 0
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


def _docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _move_base(ctx: Context, node: cst.ClassDef, base: str) -> None:
    index = t.cast(Index, ctx.index)
    reference = ctx.reference(base, node)
    if not reference:
        return
    positions = [
        i
        for i, arg in enumerate(node.bases)
        if isinstance(arg.value, (cst.Name, cst.Attribute))
        and any(index.resolve(q).endswith(".Model") for q in ctx.qnames(arg.value))
    ]

    def edit(updated: cst.ClassDef) -> cst.ClassDef:
        bases = list(updated.bases)
        for i in positions:
            bases[i] = bases[i].with_changes(value=cst.parse_expression(reference))
        return updated.with_changes(bases=bases)

    ctx.replace(node, edit)


def _tablename(candidate: Candidate, index: Index, options: Options) -> Candidate | None:
    qname = candidate.target[0]
    facts = index.classes[qname]
    if not index.model_db(qname) or facts.abstract or facts.tablename or facts.table:
        return None
    for base in index.lineage(qname)[1:]:
        other = index.classes[base]
        concrete = index.model_db(base) and not other.abstract
        if other.tablename == "declared_attr" or (other.tablename and not concrete):
            return None  # the name comes from a mixin or an abstract parent
        if concrete and not facts.primary_key:
            return None  # single-table inheritance: no table of its own
    if index.runtime_names:
        name = index.runtime_names.get(qname, "!the app did not map it")
        if name.startswith("!"):
            return dataclasses.replace(candidate, blocked=name[1:])
        return dataclasses.replace(candidate, data=name)
    guess = camel_to_snake_case(qname.rpartition(".")[2])
    if facts.primary_key:
        message = f"{candidate.message} (static guess '{guess}'; --app reads the real one)"
        return dataclasses.replace(candidate, rewrite="static", data=guess, message=message)
    return dataclasses.replace(candidate, blocked="run migrate with --app to read the name")


def _bind_key(candidate: Candidate, index: Index, options: Options) -> Candidate | None:
    return candidate if index.model_db(candidate.target[0]) else None


def _base(candidate: Candidate, index: Index, options: Options) -> Candidate | None:
    qname = candidate.target[0]
    facts = index.classes[qname]
    db = next(
        (
            owner
            for owner, _, attr in (index.resolve(b).rpartition(".") for b in facts.bases)
            if attr == "Model" and owner in index.dbs
        ),
        "",
    )
    if not db or facts.abstract:
        return None
    base = index.resolve(index.dbs[db].model_class) if index.dbs[db].model_class else ""
    short = qname.rpartition(".")[2]
    reasons = [
        (not base or not index.plain_base(base), "db's model_class is not a DeclarativeBase"),
        (facts.tablename != "explicit" and not facts.table, "no explicit __tablename__"),
        (facts.bind_key, "it has __bind_key__"),
        (facts.query_class, "it sets query_class"),
        (qname in index.queried, f"'{short}.query' is still used"),
        (bool(index.subclasses(qname)), "it has subclasses: move the hierarchy by hand"),
    ]
    blocked = "; ".join(reason for failed, reason in reasons if failed)
    message = f"{candidate.message}; it can subclass '{base.rpartition('.')[2] or 'Base'}'"
    message += f" (and loses the '<{short} 1>' repr)"
    return dataclasses.replace(candidate, blocked=blocked, data=base, message=message)


def runtime_names(
    app: str, classes: t.Iterable[ClassFacts], roots: t.Iterable[Path]
) -> dict[str, str]:
    """Import ``app`` (``module`` or ``module:factory``) and read each class's table name.

    :returns: class qname -> the table name its mapper has, or ``"!<why not>"``.
    """
    for root in roots:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
    module_name, _, factory = app.partition(":")
    module = importlib.import_module(module_name)
    if factory:
        getattr(module, factory)()
    names: dict[str, str] = {}
    for facts in classes:
        names[facts.qname] = _runtime_name(facts)
    return names


def _runtime_name(facts: ClassFacts) -> str:
    parts = facts.qname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        value: t.Any = module
        for part in parts[cut:]:
            value = getattr(value, part, None)
        if not isinstance(value, type):
            return "!the app has no such class"
        mapper: t.Any = sa.inspect(value, raiseerr=False)
        if mapper is None:
            return "!not mapped"
        inherits = mapper.inherits
        if inherits is not None and mapper.local_table is inherits.local_table:
            return "!single-table inheritance: no table of its own"
        if "__tablename__" not in vars(value):
            return "!the name comes from a mixin or a declared_attr"
        return str(mapper.local_table.name)
    return "!its module was not imported by the app"


HANDLERS: dict[type[cst.CSTNode], tuple[Handler, ...]] = {
    cst.Module: (on_module,),
    cst.Assign: (on_assign,),
    cst.AnnAssign: (on_assign,),
    cst.ClassDef: (on_class,),
}
FINALIZERS: dict[str, Finalizer] = {
    "FSC301": _tablename,
    "FSC303": _base,
    "FSC304": _bind_key,
}
