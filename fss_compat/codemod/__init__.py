"""The ``fss-compat`` tool: scan for Flask-SQLAlchemy idioms and migrate them.

Needs the optional extra: ``pip install "fss-compat[migrate]"`` (libcst). ``cli.py`` is the
command line; ``runner.py`` runs ``scan`` on every core, and ``migration.py`` runs
``migrate`` on it (round after round, to a fixed point); ``engine.py`` is
:class:`~fss_compat.codemod.engine.Rule`, the LibCST codemod command every rule family is;
``families.py`` lists the families, each a module of its own (``rules_*.py``) for one family
of the catalogue in :mod:`fss_compat.catalogue`; ``facts.py`` records what each module
defines (``module_facts.py``) and ``project.py`` joins it into one index.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The ``fss-compat`` console script: checks for libcst, then runs :mod:`.cli`."""
    if importlib.util.find_spec("libcst") is None:
        sys.stderr.write(
            "fss-compat needs libcst, which comes with the 'migrate' extra:"
            ' pip install "fss-compat[migrate]"\n'
        )
        return 2
    from fss_compat.codemod import cli

    return cli.main(argv)
