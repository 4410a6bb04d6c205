"""Family 6xx, helpers and extras: the 404 helpers on ``db`` (FSC601), pagination that reads
the request (FSC605), recorded queries (FSC602) and modification tracking (FSC603).
"""

from __future__ import annotations

import libcst as cst

from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import OnDbSetup
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.page_numbers import from_request
from fss_compat.codemod.page_numbers import from_request_blocked
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.page_numbers import with_numbers_from_request
from fss_compat.codemod.shapes import CONFIG_SWITCHES
from fss_compat.codemod.shapes import config_settings
from fss_compat.codemod.shapes import keywords
from fss_compat.codemod.shapes import may_enable

_HELPERS = frozenset({"get_or_404", "first_or_404", "one_or_404"})
#: Names whose use is the feature, in Flask-SQLAlchemy (3.x and 2.x) and in fss_compat.
_NAMES = {
    "get_recorded_queries": ("FSC602", "recorded-queries"),
    "get_debug_queries": ("FSC602", "recorded-queries"),
    "models_committed": ("FSC603", "track-modifications"),
    "before_models_committed": ("FSC603", "track-modifications"),
}
_MODULES = ("flask_sqlalchemy", "fss_compat.shims")


class ExtraRules(Rule):
    """FSC601 db-404-helpers, FSC602 recorded-queries, FSC603 track-modifications and
    FSC605 paginate-request-args.
    """

    FEATURES = ("FSC601", "FSC602", "FSC603", "FSC605")

    def visit_Call(self, node: cst.Call) -> None:
        """``db.get_or_404(...)`` and friends; ``db.paginate(...)`` without page numbers."""
        self._setup(node, constructor=False)
        func = node.func
        if not isinstance(func, cst.Attribute) or not isinstance(
            func.value, (cst.Name, cst.Attribute)
        ):
            return
        method = func.attr.value
        if method not in _HELPERS and method != "paginate":
            return
        target = tuple(sorted(self.qnames(func.value)))
        if not target:
            return
        blocked = ""
        if method == "paginate" and reads_request(node, by_position=False):
            blocked = "page= and per_page= are not both given: it reads them from the request"
            self._from_request(node, target)
        rewrite = "paginate" if method == "paginate" else "helpers"
        finding = self.report(node, "FSC601", rewrite, f"'db.{method}(...)'", OnDb(target), blocked)
        if not self.applies(finding):
            return
        helper = self.reference(f"fss_compat.{method}", node)
        if not helper:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return

        def edit(updated: cst.Call) -> cst.Call:
            db = updated.func.value if isinstance(updated.func, cst.Attribute) else updated.func
            session = cst.Attribute(value=db, attr=cst.Name("session"))
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            first = cst.Arg(session, comma=comma if updated.args else cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(
                func=cst.parse_expression(helper), args=[first, *updated.args]
            )

        self.edit(node, finding, edit)

    def _from_request(self, node: cst.Call, target: tuple[str, ...]) -> None:
        """FSC605: ``db.paginate(select)`` given the numbers it reads from the request."""
        message = "'db.paginate(...)' reads page and per_page from the request"
        blocked = from_request_blocked(node)
        finding = self.report(node, "FSC605", "from-request", message, OnDb(target), blocked)
        if not self.applies(finding):
            return
        numbers = from_request(node, by_position=False)
        names = self.references([(f"fss_compat.{name}_from_request", "") for name in numbers], node)
        if names is None:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        helpers = dict(zip(numbers, names, strict=True))
        self.edit(node, finding, lambda updated: with_numbers_from_request(updated, helpers))

    def _config(self, node: cst.CSTNode) -> None:
        for key, value in config_settings(node):
            if key in CONFIG_SWITCHES and may_enable(value):
                feature, rewrite = CONFIG_SWITCHES[key]
                self.report(node, feature, rewrite, f"'{key}' is set")

    def visit_Assign(self, node: cst.Assign) -> None:
        """``SQLALCHEMY_X = True`` (config objects) and ``app.config["SQLALCHEMY_X"] = True``;
        ``db = SQLAlchemy(app)`` at module level.
        """
        self._config(node)
        if self.where.module_level and isinstance(node.value, cst.Call):
            self._setup(node.value, constructor=True)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """``SQLALCHEMY_X: bool = True``."""
        self._config(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        """``config.update(SQLALCHEMY_X=True)``."""
        self._config(node)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """``{"SQLALCHEMY_X": True}``."""
        self._config(node)

    def _setup(self, node: cst.Call, constructor: bool) -> None:
        """``db.init_app(app)`` and ``db = SQLAlchemy(app)``: where the runtime switches
        recorded queries and modification tracking on, when the config sets them.
        """
        func = node.func
        if constructor:
            if not (node.args and (node.args[0].keyword is None or "app" in keywords(node))):
                return
            receiver, what = func, "'SQLAlchemy(app)'"
        elif isinstance(func, cst.Attribute) and func.attr.value == "init_app":
            receiver, what = func.value, "'db.init_app(...)'"
        else:
            return
        names = self.qnames(receiver) if isinstance(receiver, (cst.Name, cst.Attribute)) else ()
        if not names:
            return
        for key, (feature, rewrite) in CONFIG_SWITCHES.items():
            message = f"{what} switches the feature on: the config sets '{key}'"
            subject = OnDbSetup(tuple(sorted(names)), constructor, key)
            self.report(node, feature, rewrite, message, subject)

    def visit_Name(self, node: cst.Name) -> None:
        """A use of ``get_recorded_queries``, ``models_committed`` and the like."""
        if node.value not in _NAMES or self.claimed(node):
            return
        if any(name.startswith(_MODULES) for name in self.qnames(node)):
            feature, rewrite = _NAMES[node.value]
            self.report(node, feature, rewrite, f"'{node.value}' is used")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Imports are not uses: the names they bind are reported where they are used."""
        if not isinstance(node.names, cst.ImportStar):
            self.claim(alias.asname.name if alias.asname else alias.name for alias in node.names)
            self.claim(alias.name for alias in node.names)
