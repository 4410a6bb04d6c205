"""Which rewrites ``migrate`` applies: the rules and stages selected, ``--unsafe``, the level.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses

from fss_compat import catalogue

__all__ = ["Options"]


@dataclasses.dataclass(frozen=True)
class Options:
    """Which rewrites ``migrate`` applies.

    :param select: ``FSC201`` (every rewrite of a feature) or ``FSC201.get`` keys; ``None``
        selects all.
    :param stage: only the rewrites of this stage of the migration guide.
    :param unsafe: also apply ``unsafe`` rewrites.
    :param level: the Flask-SQLAlchemy level the code is written for and served at
        (``fss_compat.alias.LEVELS``): at ``"2.5"`` 2.x's names are known (FSC700 reports
        the ones 3.1 lacks), and the rules whose meaning depends on 2.x's runtime (its
        table names, its SQLite paths) report.
    """

    select: frozenset[str] | None = None
    stage: int | None = None
    unsafe: bool = False
    level: str = "3.1"

    def selects(self, feature: str, rewrite: str) -> bool:
        """Whether this rewrite is selected."""
        if self.stage is not None and catalogue.get(feature).rewrite(rewrite).stage != self.stage:
            return False
        return self.select is None or bool({feature, f"{feature}.{rewrite}"} & self.select)
