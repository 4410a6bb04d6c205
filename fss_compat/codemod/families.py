"""The registry of rule families: every family ``scan`` and ``migrate`` run, in one tuple.

Adding a rule family
====================

A rule family is one module ``fss_compat/codemod/<family>.py`` holding one subclass of
:class:`fss_compat.codemod.engine.Rule`, which is a LibCST
``VisitorBasedCodemodCommand``, plus its entries in :mod:`fss_compat.catalogue`. Listing
the class in :data:`FAMILIES` below is the only registration: nothing else names it, and
nothing orders the families (``migrate`` repeats every family until no file changes, so a
rewrite that makes another family's site is taken on the next round).

The contract, which the two runs rely on:

- ``FEATURES`` names the catalogue ids the family reports. Several families may report one
  id (FSC605, pagination that reads the request, is found in three shapes); every id of
  the catalogue is reported by some family.
- Find sites in ``visit_<Node>(self, node) -> None`` methods, matching shapes with
  ``libcst.matchers`` (``m.matches(node, pattern)``). Do not use the ``@m.visit`` /
  ``@m.leave`` decorators, and do not return ``False`` to skip children: ``scan`` runs the
  ``visit_`` methods of every family in one batched traversal (``libcst.visit_batched``),
  which has neither (and the decorators cost four times the traversal, measured).
- Resolve names with :meth:`Rule.qnames` (LibCST's ``ScopeProvider``), and report each
  site with :meth:`Rule.report`, giving what its subject must be (:class:`OnModel`,
  :class:`OnDb`, :class:`OnClass` judged by the family's :meth:`Rule.judge_class`, ...).
  The line comes from ``PositionProvider``. In ``scan`` ``report`` returns ``None`` (the
  candidates are judged once every module is read); in ``migrate`` it returns the judged
  :class:`Finding`.
- When :meth:`Rule.applies` is true for that finding, make the rewrite: register it with
  :meth:`Rule.edit` (applied to the updated node on the way up), or record it and make
  it in a ``leave_<Node>(self, original_node, updated_node)`` of the family's own. Add
  imports with :meth:`Rule.reference` (or ``self.add_needed_import``), which schedules
  LibCST's ``AddImportsVisitor``; drop an import a rewrite leaves unused with
  ``self.remove_unused_import_by_node`` (``RemoveImportsVisitor``). A rewrite the family
  cannot make after all is turned into a blocked finding with :meth:`Rule.block`.
- Manual findings get their ``# TODO(fss FSCnnn)`` comment from the engine.
- Keep every decision typed: an enum or a dataclass, never a marker string.
- Shapes several families need (query methods, relationship functions, literal values,
  docstrings) come from :mod:`fss_compat.codemod.shapes`, never a copy.
- Tests: ``tests/codemod/test_<family>.py`` with before/after cases in LibCST's
  ``CodemodTest`` style (``tests/_support/codemod.py`` builds the context and index) and a
  no-op case per rewrite; a differential test where the rewrite's result can be run.
"""

from __future__ import annotations

from fss_compat.codemod.engine import Rule
from fss_compat.codemod.rules_extras import ExtraRules
from fss_compat.codemod.rules_models import ModelRules
from fss_compat.codemod.rules_names import NameRules
from fss_compat.codemod.rules_queries import QueryRules
from fss_compat.codemod.rules_setup import SetupRules
from fss_compat.codemod.rules_typed import TypedRules
from fss_compat.codemod.rules_v2 import V2Rules
from fss_compat.codemod.rules_v2_config import V2ConfigRules
from fss_compat.codemod.rules_v2_pages import V2PageRules
from fss_compat.codemod.rules_v2_setup import V2SetupRules

#: Every rule family. The order is the order of the families' visits to one node, and of
#: their runs on one file within a round of ``migrate``; no result depends on it.
FAMILIES: tuple[type[Rule], ...] = (
    SetupRules,
    NameRules,
    QueryRules,
    ModelRules,
    TypedRules,
    ExtraRules,
    V2Rules,
    V2PageRules,
    V2SetupRules,
    V2ConfigRules,
)
