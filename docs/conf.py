"""Sphinx configuration of the fss_compat documentation site.

Build: ``sphinx-build -W -n --keep-going -b html docs docs/_build/html`` (what CI runs).
Why Sphinx with MyST, and how the pages are put together: ``docs/contributing.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fss_compat

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the docs extra installs tomli
    import tomli as tomllib

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

_PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

project = "fss_compat"
author = "the fss_compat contributors"
copyright = f"2026, {author}"
release = fss_compat.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "fss_docs",
]

# The Markdown files at the repository root are pages of the site through MyST's
# ``{include}``; each is named here by the page that includes it, so that links between
# them (written relative to the repository root) resolve to pages.
fss_repository_root = str(ROOT)
fss_repository_url = _PROJECT["urls"]["Source"]
fss_included_pages = {
    "README.md": "index",
    "migration_guide.md": "guide",
    "CHANGES.md": "changes",
    "docs/extensions.md": "integrations",
}
fss_guide_docname = "guide"

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# extensions.md starts at a level-2 heading, so it is a section of integrations.md.
exclude_patterns = ["_build", "extensions.md"]

myst_heading_anchors = 3
# Code-like prose ("...", 'FSC201') must stay as written.
smartquotes = False

nitpicky = True
# No network in CI, so no intersphinx: references to other projects' objects stay plain
# text. References to fss_compat's own objects must resolve.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(sqlalchemy|flask|werkzeug|blinker|click|pytest|_pytest|typing|typing_extensions"
        r"|collections|types|enum|importlib|weakref|dataclasses|os|sys)(\..*)?",
    ),
    # Private names (type variables, protocols, hooks) are undocumented on purpose.
    (r"py:.*", r"(.*\.)?_\w+"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
python_use_unqualified_type_names = True

html_theme = "furo"
html_title = f"fss_compat {release}"
html_static_path: list[str] = []
