"""FSC605 paginate-request-args: ``db.paginate`` given the numbers it reads from the request.

The rewrite passes ``page=page_from_request()`` (and ``per_page=per_page_from_request()``)
where ``db.paginate`` would read them itself; FSC601 then moves the call off ``db``, in the
same ``migrate`` run. The differential test runs the views before and after the tool in a
request for many query strings: the same page, or the same 404.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from fss_compat.codemod.engine import Status
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests._support.codemod import check
from tests._support.differential import MODELS as SEEDED_MODELS
from tests._support.differential import run
from tests._support.differential import seed

HEADER = "from .models import Post, User, db\n\ns = None\nm = 3\n"
#: LibCST's AddImportsVisitor adds the names to one import, in the order the rounds need them.
ONE = "from fss_compat import paginate, page_from_request\n"
BOTH = "from fss_compat import paginate, page_from_request, per_page_from_request\n"


@pytest.mark.parametrize(
    ("before", "imports", "after"),
    [
        (
            "a = db.paginate(s, per_page=5)\n",
            ONE,
            "a = paginate(db.session, s, page=page_from_request(), per_page=5)\n",
        ),
        (
            "a = db.paginate(s)\n",
            BOTH,
            "a = paginate(db.session, s, page=page_from_request(),"
            " per_page=per_page_from_request())\n",
        ),
        (
            "a = db.paginate(s, page=None, error_out=False, max_per_page=m)\n",
            BOTH,
            "a = paginate(db.session, s, page=page_from_request(error_out=False),"
            " per_page=per_page_from_request(max_per_page=m, error_out=False), error_out=False,"
            " max_per_page=m)\n",
        ),
        (
            "a = db.paginate(\n    s,\n    per_page=5,\n)\n",
            ONE,
            "a = paginate(\n    db.session, s,\n    page=page_from_request(), per_page=5,\n)\n",
        ),
        (
            "a = db.paginate(s, page=2, per_page=5)\n",
            "from fss_compat import paginate\n",
            "a = paginate(db.session, s, page=2, per_page=5)\n",
        ),
    ],
    ids=["per-page-given", "none-given", "options", "multi-line", "both-given"],
)
def test_numbers_from_the_request(project: Project, before: str, imports: str, after: str) -> None:
    """One run names the numbers, then moves the call off ``db``; a second run does nothing."""
    project.write({"models.py": MODELS, "views.py": HEADER + before})
    result = project.migrate(stage=8)
    expected = HEADER.replace("\n\n", f"\n{imports}\n", 1) + after
    check(project, result, "views.py", expected)
    given = "page=2" in before
    assert result.statuses("FSC605") == ([] if given else [Status.FIX])


@pytest.mark.parametrize(
    ("call", "why"),
    [
        ("db.paginate(s, error_out=flag())", "evaluate twice"),
        ("db.paginate(s, max_per_page=limits[0])", "evaluate twice"),
        ("db.paginate(s, **options)", "*args or **kwargs"),
        ("db.paginate(select=s)", "one positional argument"),
    ],
)
def test_blocked(project: Project, call: str, why: str) -> None:
    """An argument the helpers would evaluate again, or unknown ones: left, with the reason."""
    source = HEADER + "flag = limits = options = None\n" + f"a = {call}\n"
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(stage=8)
    assert result.statuses("FSC605") == [Status.BLOCKED]
    (finding,) = [f for f in result.findings if f.feature == "FSC605"]
    assert why in finding.message
    assert project.read("views.py") == source


def test_query_chain_gets_no_todo_when_it_is_rewritten(project: Project) -> None:
    """``Post.query.paginate()`` becomes ``db.paginate`` (FSC201), then FSC605 takes it: no TODO."""
    source = HEADER + "a = Post.query.order_by(Post.id).paginate(per_page=5)\n"
    project.write({"models.py": MODELS, "views.py": source})
    project.migrate()
    written = project.read("views.py")
    assert "TODO" not in written
    assert "paginate(db.session, sa.select(Post).order_by(Post.id), page=page_from_request()" in (
        written
    )


def test_query_chain_left_gets_a_todo(project: Project) -> None:
    """When only FSC605 runs, the ``Query`` chain stays and is marked for a person."""
    source = HEADER + "a = Post.query.order_by(Post.id).paginate(per_page=5)\n"
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(select="FSC605")
    assert result.statuses("FSC605") == [Status.MANUAL]
    assert project.read("views.py").count("TODO(fss FSC605)") == 1


VIEWS = """\
import sqlalchemy as sa

from .models import Post, db

posts = sa.select(Post).order_by(Post.id)


def plain():
    return db.paginate(posts, per_page=2)


def forgiving():
    return db.paginate(posts, error_out=False, max_per_page=4)


def numbers_only():
    return db.paginate(posts, page=None, per_page=None, count=False)
"""
QUERY_STRINGS = [
    "",
    "page=2",
    "page=5",
    "page=9",
    "page=0",
    "page=-1",
    "page=x",
    "page=%202%20",
    "page=%D9%A2",
    "per_page=3",
    "per_page=0",
    "per_page=-2",
    "per_page=y",
    "per_page=100",
    "page=2&per_page=4",
    "page=3&per_page=x",
    "page=99999999999999999999&per_page=2",
]


@pytest.mark.parametrize("cap", [None, 3])
def test_rewritten_views_give_the_same_pages(project: Project, cap: int | None) -> None:
    """Before and after the tool, every view gives the same page or 404 for each query string."""
    project.write({"models.py": SEEDED_MODELS, "before.py": VIEWS, "views.py": VIEWS})
    result = project.migrate(stage=8)
    assert set(result.sources) == {"views.py", "before.py"}
    assert "db.paginate" not in project.read("views.py")
    project.write({"before.py": VIEWS})
    models, before, after = project.modules("models", "before", "views")
    app = project.app(models, FSS_MAX_PER_PAGE=cap)
    with app.app_context():
        seed(models)
        for query_string in QUERY_STRINGS:
            for view in ("plain", "forgiving", "numbers_only"):
                with app.test_request_context(query_string=query_string):
                    old = run(getattr(before, view), models.db)
                    new = run(getattr(after, view), models.db)
                assert new == old, (view, query_string)
        models.db.engine.dispose()


def test_outside_a_request_the_defaults_apply(project: Project) -> None:
    """In a bare app context (a script, a CLI command) both forms give page 1 of 20."""
    project.write({"models.py": SEEDED_MODELS, "views.py": VIEWS})
    project.migrate(stage=8)
    models, views = project.modules("models", "views")
    with project.app(models).app_context():
        seed(models)
        page: t.Any = views.numbers_only()
        assert (page.page, page.per_page, len(page.items)) == (1, 20, 9)
        assert models.db.session.scalar(sa.select(sa.func.count()).select_from(models.Post)) == 9
        models.db.engine.dispose()
