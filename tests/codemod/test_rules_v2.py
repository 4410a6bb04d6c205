"""The Flask-SQLAlchemy 2.x families (FSC700-FSC714): the level, and shapes beyond ``CASES``.

Each rewrite's before/after and no-op case is in ``test_codemods.CASES``; these tests
cover what the level changes (``--level``, ``FSS_COMPAT_LEVEL``), the sites the tool must
refuse to rewrite, and the import a rewrite leaves unused.
"""

from __future__ import annotations

import itertools
import typing as t

import pytest

from fss_compat import legacy
from fss_compat.codemod import cli
from fss_compat.codemod.engine import Status
from fss_compat.shims_v2 import Pagination
from tests._support.codemod import Project
from tests._support.codemod import check

V2_MODELS = """\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
"""


def _features(project: Project, level: str) -> set[str]:
    return {f.feature for f in project.scan(level).findings}


def test_v2_names_are_fsc700s_at_2_5_and_fsc001s_at_3_1(project: Project) -> None:
    """A name only 2.x had is FSC001's unknown name at 3.1 and FSC700's at 2.5, never both."""
    project.write({"app.py": "from flask_sqlalchemy import BaseQuery, get_debug_queries\n"})
    at_31 = project.scan("3.1").findings
    at_25 = project.scan("2.5").findings
    assert {f.key for f in at_31 if f.feature in ("FSC001", "FSC700")} == {"FSC001.unknown-name"}
    assert {f.key for f in at_25 if f.feature in ("FSC001", "FSC700")} == {
        "FSC700.rename",
        "FSC700.gone",
    }


def test_v2_module_attribute_renamed_at_2_5(project: Project) -> None:
    """``flask_sqlalchemy.BaseQuery`` becomes 3.x's ``Query`` by its new module."""
    project.write({"app.py": "import flask_sqlalchemy\n\nQ = flask_sqlalchemy.BaseQuery\n"})
    result = project.migrate(select="FSC700", level="2.5")
    check(
        project,
        result,
        "app.py",
        "import flask_sqlalchemy\nfrom flask_sqlalchemy.query import Query\n\nQ = Query\n",
    )


def test_literal_per_page_zero_is_flagged(project: Project) -> None:
    """``per_page=0``, an empty page in 2.x and a 404 in 3.x, is reported and left alone."""
    source = "from .models import Post\n\np = Post.query.paginate(page=1, per_page=0)\n"
    project.write({"models.py": V2_MODELS, "views.py": source})
    result = project.migrate(select="FSC701", level="2.5")
    assert result.statuses("FSC701.keywords") == [Status.BLOCKED]
    assert project.read("views.py") == source


def test_positional_paginate_with_star_args_is_blocked(project: Project) -> None:
    """``paginate(*args)`` cannot be named: reported, not rewritten."""
    source = "from .models import Post\n\np = Post.query.paginate(1, *rest)\n"
    project.write({"models.py": V2_MODELS, "views.py": source})
    result = project.migrate(select="FSC701", level="2.5")
    assert result.statuses("FSC701.keywords") == [Status.BLOCKED]


def test_get_state_import_goes_with_its_rewritten_uses(project: Project) -> None:
    """When every ``get_state(app)`` is a ``.db`` FSC703 rewrites, its import goes too."""
    before = "import os\nfrom flask_sqlalchemy import get_state\n\ndb = get_state(app).db\n"
    project.write({"app.py": before})
    result = project.migrate(select="FSC703,FSC700", level="2.5")
    check(project, result, "app.py", 'import os\n\ndb = app.extensions["sqlalchemy"]\n')
    assert "FSC700" not in {f.feature for f in result.findings}


def test_create_all_app_inside_an_expression_is_blocked(project: Project) -> None:
    """``create_all(app=app)`` whose value is used cannot move into ``with``: blocked."""
    source = "from .models import db\n\nok = db.create_all(app=app) or True\n"
    project.write({"models.py": V2_MODELS, "views.py": source})
    result = project.migrate(select="FSC714", level="2.5")
    assert result.statuses("FSC714.app") == [Status.BLOCKED]
    assert project.read("views.py") == source


def test_get_engine_inside_a_call_needs_unsafe(project: Project) -> None:
    """``connect(db.get_engine(app))`` is the unsafe rewrite: skipped without ``--unsafe``."""
    source = "from .models import db\n\nconnect(db.get_engine(app, 'audit'))\n"
    project.write({"models.py": V2_MODELS, "views.py": source})
    result = project.migrate(select="FSC706", level="2.5")
    assert result.statuses("FSC706.get-engine") == [Status.UNSAFE]
    assert project.read("views.py") == source


def test_tablename_only_at_2_5(project: Project) -> None:
    """FSC710 is 2.x's runtime naming: nothing at 3.1, ``__tablename__`` at 2.5."""
    models = (
        V2_MODELS
        + "\n\nclass Test3D(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
    )
    project.write({"models.py": models})
    assert "FSC710" not in _features(project, "3.1")
    assert "FSC710" in _features(project, "2.5")


@pytest.mark.parametrize(("env", "flag", "reported"), [("2.5", None, True), ("2.5", "3.1", False)])
def test_level_option_defaults_from_the_environment(
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: str,
    flag: str | None,
    reported: bool,
) -> None:
    """``--level`` defaults from ``FSS_COMPAT_LEVEL``; the option wins over it."""
    project.write({"app.py": "from flask_sqlalchemy import BaseQuery\n"})
    monkeypatch.setenv("FSS_COMPAT_LEVEL", env)
    args = ["scan", str(project.root / project.package), "--jobs", "1"]
    cli.main([*args, *(["--level", flag] if flag else [])])
    out = capsys.readouterr().out
    assert ("FSC700.rename" in out) is reported
    assert ("FSC001.unknown-name" in out) is not reported


def test_unknown_level_in_the_environment_is_a_usage_error(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown ``FSS_COMPAT_LEVEL`` stops the command with the known levels."""
    project.write({"app.py": "x = 1\n"})
    monkeypatch.setenv("FSS_COMPAT_LEVEL", "1.0")
    assert cli.main(["scan", str(project.root / project.package)]) == cli.EXIT_ERROR
    assert "'1.0'" in capsys.readouterr().err


CUSTOM_QUERY = """\
from flask_sqlalchemy import BaseQuery, SQLAlchemy
{imports}
db = SQLAlchemy()


class Q({base}):
{body}

class Post(db.Model):
    query_class = Q
    id = db.Column(db.Integer, primary_key=True)
"""


@pytest.mark.parametrize(
    ("imports", "base", "body", "status"),
    [
        ("", "BaseQuery", "    def visible(self):\n        return self\n", Status.FIX),
        ("", "BaseQuery", "    def paginate(self, *args):\n        return args\n", Status.BLOCKED),
        ("from whoosh_ext import SearchQuery\n", "SearchQuery", "    pass\n", Status.BLOCKED),
    ],
    ids=["adds-methods", "own-paginate", "unscanned-base"],
)
def test_positional_paginate_on_a_custom_query_class(
    project: Project, imports: str, base: str, body: str, status: Status
) -> None:
    """A model's own query_class keeps 2.x's ``paginate`` unless it (or a base the tool
    cannot read) may define its own: then the site is reported and left alone.
    """
    models = CUSTOM_QUERY.format(imports=imports, base=base, body=body)
    source = "from .models import Post\n\np = Post.query.paginate(1, 20)\n"
    project.write({"models.py": models, "views.py": source})
    result = project.migrate(select="FSC701", level="2.5")
    assert result.statuses("FSC701.keywords") == [status]
    fixed = "from .models import Post\n\np = Post.query.paginate(page=1, per_page=20)\n"
    assert project.read("views.py") == (fixed if status is Status.FIX else source)


def test_get_engine_on_an_unknown_receiver_is_reported_at_2_5(project: Project) -> None:
    """``x.get_engine(app, bind=...)`` on a parameter is 2.x's call by its shape: blocked at
    2.5 (the tool cannot tell ``x`` is a db), and not FSC706's at 3.1.
    """
    source = "def engine(store, app):\n    return store.get_engine(app, bind='blog')\n"
    project.write({"views.py": source})
    result = project.migrate(select="FSC706", level="2.5")
    assert result.statuses("FSC706.get-engine-app") == [Status.BLOCKED]
    assert project.read("views.py") == source
    assert "FSC706" not in _features(project, "3.1")


def _page_v3(pages: int, page: int) -> t.Any:
    """Flask-SQLAlchemy 3.1.1's page ``page`` of ``pages`` (its constructor would query)."""
    flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy.pagination")
    made = object.__new__(flask_sqlalchemy.Pagination)
    made.page, made.per_page, made.total, made.items = page, 1, pages, []
    return made


def test_iter_pages_rewrite_against_both_levels(project: Project) -> None:
    """Differential: the rewritten ``iter_pages`` call on Flask-SQLAlchemy 3.1.1's page gives
    2.x's pages (fss_compat's 2.5 level) wherever the window is apart from both edges, and
    differs in about one case in six overall: why the rewrite is unsafe.
    """
    before = "page = q.paginate(page=1)\nnumbers = page.iter_pages(le, lc, rc, re)\n"
    project.write({"views.py": before})
    project.migrate(select="FSC702.iter-pages", unsafe=True)
    call = project.read("views.py").splitlines()[1].partition(" = ")[2]
    assert (
        call
        == "page.iter_pages(left_edge=le, left_current=lc, right_current=rc - 1, right_edge=re)"
    )
    rewritten = compile(call, "views.py", "eval")
    cases = differ = 0
    with legacy.modes({"FSC702": "allow"}):
        for pages in range(13):
            for page in range(1, max(pages, 1) + 1):
                old = Pagination(None, page, 1, pages, [])
                new = _page_v3(pages, page)
                for le, lc, rc, re in itertools.product(range(4), range(4), range(1, 6), range(4)):
                    expected = list(old.iter_pages(le, lc, rc, re))
                    names = {"page": new, "le": le, "lc": lc, "rc": rc, "re": re}
                    got = list(eval(rewritten, names))
                    apart = le and re and le < page - lc - 1 and page + rc - 1 < pages - re
                    assert got == expected or not apart, (pages, page, le, lc, rc, re)
                    cases, differ = cases + 1, differ + (got != expected)
    assert 1 / 10 < differ / cases < 1 / 4, (differ, cases)
