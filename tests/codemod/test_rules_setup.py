"""FSC001 import-swap and FSC002 get-engine: before and after, and what is left alone."""

from __future__ import annotations

import importlib

import pytest

from fss_compat.codemod.engine import Status
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests._support.codemod import check

SWAPS = [
    (
        "top",
        "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "from fss_compat import SQLAlchemy\n\ndb = SQLAlchemy()\n",
    ),
    (
        "module",
        "from flask_sqlalchemy.model import Model  # the base\n",
        "from fss_compat.shims.model import Model  # the base\n",
    ),
    (
        "submodule-name",
        "from flask_sqlalchemy import pagination\n",
        "from fss_compat.shims import pagination\n",
    ),
    (
        "import-module",
        "import flask_sqlalchemy\n\ndb = flask_sqlalchemy.SQLAlchemy()\n",
        "import fss_compat\n\ndb = fss_compat.SQLAlchemy()\n",
    ),
    (
        "import-submodule",
        "import flask_sqlalchemy.record_queries\n\n"
        "q = flask_sqlalchemy.record_queries.get_recorded_queries\n",
        "import fss_compat.shims.record_queries\n\n"
        "q = fss_compat.shims.record_queries.get_recorded_queries\n",
    ),
    (
        "import-as",
        "import flask_sqlalchemy as fsa\n\nM = fsa.model.Model\ndb = fsa.SQLAlchemy()\n",
        "import fss_compat as fsa\n\nM = fsa.shims.model.Model\ndb = fsa.SQLAlchemy()\n",
    ),
]


@pytest.mark.parametrize(("before", "after"), [s[1:] for s in SWAPS], ids=[s[0] for s in SWAPS])
def test_import_swap(project: Project, before: str, after: str) -> None:
    """Flask-SQLAlchemy imports and module references point at fss_compat and its shims."""
    project.write({"app.py": before})
    result = project.migrate(select="FSC001")
    check(project, result, "app.py", after)
    assert set(result.statuses("FSC001.import")) == {Status.FIX}


@pytest.mark.parametrize(
    "source",
    [
        "from flask_sqlalchemy import get_debug_queries\n",
        "from flask_sqlalchemy.model import NoSuchName\n",
        "import flask_sqlalchemy\n\nv = flask_sqlalchemy.__version__\n",
    ],
)
def test_unknown_names_get_a_todo(project: Project, source: str) -> None:
    """A name fss_compat does not have is reported with a TODO, and not rewritten."""
    project.write({"app.py": source})
    result = project.migrate(select="FSC001")
    assert Status.MANUAL in result.statuses("FSC001.unknown-name")
    assert '"FSC001 import-swap"' in project.read("app.py")
    compile(project.read("app.py"), "app.py", "exec")


def test_other_imports_are_a_no_op(project: Project) -> None:
    """Imports of other packages, and relative ones, are not touched."""
    source = "import flask\nfrom flask_sqlalchemy_extra import x\nfrom . import flask_sqlalchemy\n"
    project.write({"app.py": source})
    assert project.migrate(select="FSC001").findings == []
    assert project.read("app.py") == source


ENGINES = [
    ("no-key", "e = db.get_engine()\n", "e = db.engine\n"),
    ("none", "e = db.get_engine(None)\n", "e = db.engine\n"),
    ("key", 'e = db.get_engine("audit")\n', 'e = db.engines["audit"]\n'),
    ("keyword", 'e = db.get_engine(bind_key="audit")\n', 'e = db.engines["audit"]\n'),
    ("bind", "e = db.get_engine(bind=key)\n", "e = db.engines[key]\n"),
]


@pytest.mark.parametrize(("before", "after"), [e[1:] for e in ENGINES], ids=[e[0] for e in ENGINES])
def test_get_engine(project: Project, before: str, after: str) -> None:
    """``db.get_engine(key)`` is ``db.engines[key]``, and no key is ``db.engine``."""
    header = "from .models import db\n\nkey = 'audit'\n"
    project.write({"models.py": MODELS, "views.py": header + before})
    result = project.migrate(select="FSC002")
    check(project, result, "views.py", header + after)


def test_get_engine_with_odd_arguments_is_left_alone(project: Project) -> None:
    """``get_engine`` with an app and a key (the 2.x signature) is reported, not rewritten."""
    source = "from .models import db\n\ne = db.get_engine(app, 'audit')\n"
    project.write({"models.py": MODELS, "views.py": source})
    assert project.migrate(select="FSC002").statuses("FSC002") == [Status.BLOCKED]
    assert project.read("views.py") == source


def test_get_engine_on_other_objects_is_a_no_op(project: Project) -> None:
    """``get_engine`` on something that is not a ``db`` is not a site."""
    source = (
        "class Pool:\n    def get_engine(self):\n        return 1\n\n\ne = Pool().get_engine()\n"
    )
    project.write({"views.py": source})
    assert project.migrate(select="FSC002").findings == []


def test_names_3_1_moved_point_to_their_new_home(project: Project) -> None:
    """``get_debug_queries`` (gone from the package in 3.1) gets a TODO naming
    ``get_recorded_queries``, where Flask-SQLAlchemy 3.1 has it; the named targets exist.
    """
    from fss_compat.codemod.rules_setup import _MOVED

    for qname in _MOVED.values():
        module, _, name = qname.rpartition(".")
        assert hasattr(importlib.import_module(module), name), qname
    project.write({"app.py": "from flask_sqlalchemy import get_debug_queries\n"})
    project.migrate(select="FSC001")
    todo = project.read("app.py").splitlines()[0]
    assert "'get_debug_queries' is 'fss_compat.shims.record_queries.get_recorded_queries'" in todo
