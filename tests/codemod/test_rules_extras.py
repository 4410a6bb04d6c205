"""FSC601 db-404-helpers, FSC602 and FSC603 (FSC605 is in test_page_numbers.py)."""

from __future__ import annotations

import pytest

from fss_compat.codemod.engine import Status
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests._support.codemod import check

HEADER = "from .models import Post, User, db\n\n"


def test_404_helpers(project: Project) -> None:
    """``db.get_or_404(...)`` becomes ``get_or_404(db.session, ...)``, imported from fss_compat."""
    calls = (
        "a = db.get_or_404(User, 1, description='No user')\n"
        "b = db.first_or_404(sel)\n"
        "c = db.one_or_404(\n    sel,  # the statement\n)\n"
    )
    # LibCST's AddImportsVisitor adds one import of the three names, after the imports.
    after = (
        "from .models import Post, User, db\n"
        "from fss_compat import first_or_404, get_or_404, one_or_404\n\n"
        "sel = None\n"
        "a = get_or_404(db.session, User, 1, description='No user')\n"
        "b = first_or_404(db.session, sel)\n"
        "c = one_or_404(\n    db.session, sel,  # the statement\n)\n"
    )
    project.write({"models.py": MODELS, "views.py": HEADER + "sel = None\n" + calls})
    result = project.migrate(select="FSC601")
    check(project, result, "views.py", after)
    assert result.statuses("FSC601") == [Status.FIX] * 3


def test_404_helpers_on_other_objects_are_a_no_op(project: Project) -> None:
    """``get_or_404`` on something that is not a ``db`` is not a site."""
    source = "class X:\n    get_or_404 = None\n\n\ny = X.get_or_404(1)\n"
    project.write({"views.py": source})
    assert project.migrate(select="FSC601").findings == []


def test_one_todo_per_rule_and_statement(project: Project) -> None:
    """Two manual sites of one rule in one statement get one TODO comment above it."""
    source = (
        "from fss_compat.shims.record_queries import get_recorded_queries\n\n"
        "a = (get_recorded_queries(), len(get_recorded_queries()))\n"
    )
    project.write({"views.py": source})
    result = project.migrate(stage=8)
    assert result.statuses("FSC602") == [Status.MANUAL, Status.MANUAL]
    assert project.read("views.py").count("TODO(fss FSC602)") == 1


@pytest.mark.parametrize(
    ("source", "feature"),
    [
        ("app.config['SQLALCHEMY_RECORD_QUERIES'] = True\n", "FSC602"),
        ("class Config:\n    SQLALCHEMY_RECORD_QUERIES = True\n", "FSC602"),
        ("app.config.update(SQLALCHEMY_TRACK_MODIFICATIONS=True)\n", "FSC603"),
        ("settings = {'SQLALCHEMY_TRACK_MODIFICATIONS': flag}\n", "FSC603"),
        (
            "from fss_compat.shims.record_queries import get_recorded_queries\n\n"
            "n = len(get_recorded_queries())\n",
            "FSC602",
        ),
        (
            "from flask_sqlalchemy.track_modifications import models_committed\n\n"
            "models_committed.connect(print)\n",
            "FSC603",
        ),
    ],
)
def test_extras_are_manual(project: Project, source: str, feature: str) -> None:
    """Recorded queries and modification tracking get a TODO naming their guide section."""
    project.write({"views.py": "app = config = flag = None\n" + source})
    result = project.migrate(stage=8)
    assert result.statuses(feature) == [Status.MANUAL]
    assert f"TODO(fss {feature})" in project.read("views.py")


def test_extras_switched_off_are_a_no_op(project: Project) -> None:
    """``SQLALCHEMY_TRACK_MODIFICATIONS = False`` is not a use."""
    project.write({"views.py": "SQLALCHEMY_TRACK_MODIFICATIONS = False\n"})
    assert project.migrate(stage=8).findings == []
