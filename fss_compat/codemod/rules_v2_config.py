"""Family 7xx, Flask-SQLAlchemy 2.x's config and what its runtime decided: its config keys
(FSC708, FSC709), its table names (FSC710), its SQLite paths and MySQL charset (FSC711) and
bind keys in ``Table.info`` (FSC713).

The table names, the database URLs and the models' bind keys are reported at the 2.5
level only: what they mean there is 2.x's runtime behaviour. The config keys and
``info["bind_key"]`` are 2.x's API, which 3.x ignores, and are reported at both levels.
"""

from __future__ import annotations

import typing as t

import libcst as cst
import libcst.matchers as m

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import OnClass
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.facts import assigned
from fss_compat.codemod.facts import class_body
from fss_compat.codemod.project import Index
from fss_compat.codemod.shapes import V2_CONFIG
from fss_compat.codemod.shapes import config_settings
from fss_compat.codemod.shapes import keywords
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import literal
from fss_compat.codemod.shapes import v2_config_enables
from fss_compat.codemod.shapes import with_tablename
from fss_compat.shims.model import camel_to_snake_case
from fss_compat.shims_v2.model import camel_to_snake_case as camel_to_snake_case_v2

_SQLITE = ("sqlite:///", "sqlite+pysqlite:///")


def _relative_sqlite(url: str) -> bool:
    """Whether ``url`` is a SQLite file URL with a relative path (2.x: from ``root_path``)."""
    for prefix in _SQLITE:
        if url.startswith(prefix):
            path = url[len(prefix) :].partition("?")[0]
            return bool(path) and not path.startswith("/") and path != ":memory:"
    return False


def _mysql_without_charset(url: str) -> bool:
    """Whether ``url`` is a MySQL URL without a charset (2.x adds ``utf8``, 3.x ``utf8mb4``)."""
    return url.startswith(("mysql://", "mysql+")) and "charset=" not in url


class V2ConfigRules(Rule):
    """FSC708 commit-on-teardown, FSC709 engine-config-v2, FSC710 tablename-v2, FSC711
    driver-defaults-v2 and FSC713 bind-key-info.
    """

    FEATURES = ("FSC708", "FSC709", "FSC710", "FSC711", "FSC713")

    @property
    def _v2_level(self) -> bool:
        return self.run.options.level == "2.5"

    # -- models ------------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A model's 2.x table name and its bind key (2.5 level)."""
        if not self._v2_level:
            return
        name = node.name.value
        subject = OnClass(self.where.qname(self.run.module))
        members = [
            (member, statement)
            for statement in class_body(node)
            for member, _ in assigned(statement)
        ]
        for member, statement in members:
            if member == "__bind_key__":
                message = (
                    f"model '{name}' has __bind_key__: 2.x keeps its table in db.metadata with"
                    " info['bind_key'], 3.x in db.metadatas[key]; check the code that reads them"
                )
                self.report(node, "FSC713", "model", message, subject, todo_at=statement)
        if {"__tablename__", "__table__"} & {member for member, _ in members}:
            return
        old, new = camel_to_snake_case_v2(name), camel_to_snake_case(name)
        if old == new:
            return
        message = f"model '{name}' is named '{old}' by 2.x and '{new}' by 3.x"
        finding = self.report(node, "FSC710", "tablename", message, subject, data=old)
        if self.applies(finding):
            self.edit(node, finding, lambda updated: with_tablename(updated, old))

    @classmethod
    def judge_class(cls, candidate: Candidate, index: Index) -> Candidate | None:
        """Judge a class's FSC709, FSC710 or FSC713 site against the index."""
        qname = t.cast(OnClass, candidate.subject).qname
        if candidate.feature == "FSC713":
            return candidate if index.model_db(qname) else None
        if candidate.feature == "FSC709":
            engine_keys = {key for key, (feature, _) in V2_CONFIG.items() if feature == "FSC709"}
            found = index.db([qname]) or index.sqlalchemy_class([qname])
            return candidate if found and engine_keys & index.config_keys else None
        return _tablename(candidate, index)

    # -- calls, config, literals, info ---------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        """2.x's constructor and ``init_app``; ``table.info.get("bind_key")``."""
        self._constructor(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get":
            if m.matches(func.value, m.Attribute(attr=m.Name("info"))):
                self._info(node, func.value, node.args[0].value if node.args else None)

    def _constructor(self, node: cst.Call) -> None:
        """``SQLAlchemy(app, use_native_unicode=False)``; ``SQLAlchemy(app)`` and
        ``db.init_app(app)`` where the config sets one of 2.x's engine keys, which 2.x reads
        there.
        """
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "init_app":
            receiver: cst.BaseExpression = func.value
            what = "'db.init_app(app)'"
        elif last_name(func) == "SQLAlchemy":
            receiver, what = func, "'SQLAlchemy(...)'"
            positional = [arg for arg in node.args if arg.keyword is None]
            unicode = keywords(node).get("use_native_unicode")
            if unicode is None and len(positional) > 1:
                unicode = positional[1].value
            if unicode is not None and literal(unicode) is not True:
                message = f"{what} passes use_native_unicode (3.x: engine_options)"
                self.report(node, "FSC709", "engine-options", message)
            if not (positional or "app" in keywords(node)):
                return
        else:
            return
        if not isinstance(receiver, (cst.Name, cst.Attribute)):
            return
        names = sorted(self.qnames(receiver))
        if names:
            message = f"{what} reads 2.x's engine keys, which the config sets"
            self.report(node, "FSC709", "engine-options", message, OnClass(names[0]))

    def _config(self, node: cst.CSTNode) -> None:
        for key, value in config_settings(node):
            if key in V2_CONFIG and v2_config_enables(key, value):
                feature, rewrite = V2_CONFIG[key]
                self.report(node, feature, rewrite, f"'{key}' is set (2.x's config)")

    def visit_Assign(self, node: cst.Assign) -> None:
        """``app.config["SQLALCHEMY_POOL_SIZE"] = 10`` and ``SQLALCHEMY_POOL_SIZE = 10``."""
        self._config(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``SQLALCHEMY_POOL_SIZE: int = 10``."""
        self._config(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        """``config.update(SQLALCHEMY_POOL_SIZE=10)``."""
        self._config(node)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """``{"SQLALCHEMY_POOL_SIZE": 10}``."""
        self._config(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """A relative ``sqlite:///`` path or a MySQL URL without charset (2.5 level)."""
        if not self._v2_level or not ("sqlite" in node.value or "mysql" in node.value):
            return
        value = node.evaluated_value
        if isinstance(value, str):
            self._url(node, value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        """``f"sqlite:///data/{name}.db"``: a relative path before the first placeholder."""
        if not self._v2_level or not node.parts:
            return
        first = node.parts[0]
        if isinstance(first, cst.FormattedStringText) and not any(
            isinstance(part, cst.FormattedStringText) for part in node.parts[1:2]
        ):
            self._url(node, first.value)

    def _url(self, node: cst.CSTNode, url: str) -> None:
        if _relative_sqlite(url):
            message = f"'{url}': 2.x finds a relative SQLite path from app.root_path, 3.x from"
            message += " app.instance_path"
            self.report(node, "FSC711", "database-url", message)
        elif _mysql_without_charset(url):
            message = "a MySQL URL without charset: 2.x adds charset=utf8, 3.x utf8mb4"
            self.report(node, "FSC711", "database-url", message)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        """``table.info["bind_key"]``."""
        if m.matches(node.value, m.Attribute(attr=m.Name("info"))) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._info(node, t.cast(cst.Attribute, node.value), index.value)

    def _info(
        self, node: cst.CSTNode, info: cst.BaseExpression, key: cst.BaseExpression | None
    ) -> None:
        owner = t.cast(cst.Attribute, info).value
        if key is None or literal(key) != "bind_key" or _metadata(owner):
            return
        message = f"'{self.code(owner)}.info' has 'bind_key' in 2.x only (3.x: the metadata's)"
        self.report(node, "FSC713", "table-info", message)


def _metadata(node: cst.BaseExpression) -> bool:
    """Whether ``node`` is a MetaData (``x.metadata``, ``db.metadatas[key]``), whose
    ``info["bind_key"]`` is 3.x's.
    """
    if isinstance(node, cst.Subscript):
        node = node.value
    name = node.attr.value if isinstance(node, cst.Attribute) else getattr(node, "value", "")
    return isinstance(name, str) and "metadata" in name


def _tablename(candidate: Candidate, index: Index) -> Candidate | None:
    """An FSC710 site counts for a concrete model whose own body declares its primary key and
    whose name comes from neither a base nor a mixin: the name 2.x generated is then certain.
    """
    qname = t.cast(OnClass, candidate.subject).qname
    facts = index.classes[qname]
    if not index.model_db(qname) or facts.abstract or facts.tablename or facts.table:
        return None
    if not facts.primary_key:
        return None
    for base in index.lineage(qname)[1:]:
        if index.classes[base].tablename:
            return None  # the name comes from a mixin or a parent
    return candidate
