"""Following a ``Model.query`` value within its module, from where it is built to where it runs.

A legacy query is often built in one place and run in another::

    def _visible(user):                       # a parameter
        q = Post.query.filter_by(hidden=False)    # a local name
        if not user.admin:
            q = q.filter(Post.author == user)     # refined
        return q                              # the return of a local function

    def page(user):
        return _visible(user).order_by(Post.id).paginate(page=1, per_page=20)

:class:`Flow` follows such a value from each place it is built (a *source*, ``Model.query``
and the builders on it) through *holders*: a function's local name, a local function's
return value at its calls, and a local function's parameter at its calls. What the holders
and the expressions reached from one source make is a :class:`Web`. Each expression that
holds the value may be refined (``.filter(...)`` and the other builders ``Select`` has),
stored in a holder, or run: a terminal method with a 2.x form, or a ``for`` over it (a
*sink*). Every other use is an *escape*, which the web records with its line: stored on an
object, passed to a function that is not a plain local one, returned from a method, used as
a value the tool cannot see all the uses of, returned from a function the module never calls
(its callers are out of sight). A web without escapes can be rewritten at both ends; the
rest stays as it is, reported where it escapes.

Names come from LibCST's ``ScopeProvider`` (each holder's assignments and their
references), the surroundings of an expression from ``ParentNodeProvider``. The analysis is
flow-insensitive: every assignment of a name in its function must be part of the web, so
``q = q.all()`` after a builder makes ``q`` an escape. Module-level functions the value goes
through are listed in :attr:`Web.functions`: another module may call them, which only the
index of every module can tell (see :class:`~fss_compat.codemod.engine.OnModel`).
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper

from fss_compat.codemod.flow_walk import Walk
from fss_compat.codemod.flow_webs import ITERATE
from fss_compat.codemod.flow_webs import Sink
from fss_compat.codemod.flow_webs import Web
from fss_compat.codemod.module_view import ModuleView

__all__ = ["ITERATE", "Flow", "Sink", "Web"]


class Flow(ModuleView):
    """The webs of one module (see the module docstring); it takes what
    :class:`~fss_compat.codemod.module_view.ModuleView` takes.
    """

    def __init__(self, wrapper: MetadataWrapper, module: str) -> None:
        super().__init__(wrapper, module)
        self._webs: dict[int, Web] = {}

    def web(self, root: cst.Attribute, expression: cst.BaseExpression) -> Web:
        """The web of the source ``root`` (``X.query``) whose outermost builder call is
        ``expression``; one object for every source of one web.
        """
        found = self._webs.get(id(root))
        if found is None:
            found = Walk(self).run(root, expression)
            self._webs.update((id(source), found) for source, _ in found.sources)
        return found
