"""FSC201 local-builder: a query built in one function and run in another, per shape.

Each rewritten shape is checked before and after (it compiles, a second run changes
nothing); each shape the tool cannot prove stays as it is with a TODO naming where the
value escapes.
"""

from __future__ import annotations

import pytest

from fss_compat.codemod.engine import Status
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests._support.codemod import rewrite

HEADER = "from .models import User, Post, db\n\n"
HEADER_SA = "from .models import User, Post, db\nimport sqlalchemy as sa\n\n"

# (id, before, after): views.py bodies after HEADER.
REWRITTEN = [
    (
        "refined-local-name",
        "def users(name):\n    q = User.query\n    if name:\n        q = q.filter_by(name=name)\n"
        "    return q.order_by(User.id).all()\n",
        "def users(name):\n    q = sa.select(User)\n    if name:\n"
        "        q = q.filter_by(name=name)\n"
        "    return db.session.scalars(q.order_by(User.id)).all()\n",
    ),
    (
        "annotated-name",
        "def users():\n    q: object = User.query.filter(User.id > 1)\n    return q.all()\n",
        "def users():\n    q: object = sa.select(User).filter(User.id > 1)\n"
        "    return db.session.scalars(q).all()\n",
    ),
    (
        "returned-from-helper",
        "def _named(name):\n    return User.query.filter_by(name=name)\n\n\n"
        "def first(name):\n    return _named(name).first()\n",
        "def _named(name):\n    return sa.select(User).filter_by(name=name)\n\n\n"
        "def first(name):\n    return db.session.scalars(_named(name).limit(1)).first()\n",
    ),
    (
        "helper-defined-after-its-caller",
        "def view():\n    return _base().all()\n\n\n"
        "def _base():\n    return User.query.order_by(User.id)\n",
        "def view():\n    return db.session.scalars(_base()).all()\n\n\n"
        "def _base():\n    return sa.select(User).order_by(User.id)\n",
    ),
    (
        "passed-to-helper",
        "def _named(q, name):\n    return q.filter_by(name=name)\n\n\n"
        "def one(name):\n    return _named(User.query, name).one()\n",
        "def _named(q, name):\n    return q.filter_by(name=name)\n\n\n"
        "def one(name):\n    return db.session.scalars(_named(sa.select(User), name)).one()\n",
    ),
    (
        "passed-by-keyword",
        "def _named(name, q=None):\n    return q.filter_by(name=name)\n\n\n"
        "def g():\n    return _named('a', q=User.query).one_or_none()\n",
        "def _named(name, q=None):\n    return q.filter_by(name=name)\n\n\n"
        "def g():\n    return db.session.scalars(_named('a', q=sa.select(User))).one_or_none()\n",
    ),
    (
        "for-loop",
        "def names():\n    q = User.query.order_by(User.id)\n    out = []\n"
        "    for u in q:\n        out.append(u.name)\n    return out\n",
        "def names():\n    q = sa.select(User).order_by(User.id)\n    out = []\n"
        "    for u in db.session.scalars(q):\n        out.append(u.name)\n    return out\n",
    ),
    (
        "comprehension",
        "def names():\n    q = User.query.order_by(User.id)\n    return [u.name for u in q]\n",
        "def names():\n    q = sa.select(User).order_by(User.id)\n"
        "    return [u.name for u in db.session.scalars(q)]\n",
    ),
    (
        "paginate",
        "def page(n):\n    q = Post.query.order_by(Post.id)\n"
        "    return q.paginate(page=n, per_page=2)\n",
        "def page(n):\n    q = sa.select(Post).order_by(Post.id)\n"
        "    return db.paginate(q, page=n, per_page=2)\n",
    ),
    (
        "count",
        "def n():\n    q = User.query.filter(User.id > 1)\n    return q.count()\n",
        "def n():\n    q = sa.select(User).filter(User.id > 1)\n"
        "    return db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))\n",
    ),
    (
        "join-then-unique-at-the-run",
        "def joined():\n    q = User.query.join(User.posts)\n    q = q.filter(Post.id > 0)\n"
        "    return q.all()\n",
        "def joined():\n    q = sa.select(User).join(User.posts)\n    q = q.filter(Post.id > 0)\n"
        "    return db.session.scalars(q).unique().all()\n",
    ),
    (
        "join-in-the-helper",
        "def _with_posts(q):\n    return q.join(User.posts)\n\n\n"
        "def users():\n    return [u.id for u in _with_posts(User.query)]\n",
        "def _with_posts(q):\n    return q.join(User.posts)\n\n\n"
        "def users():\n    return [u.id for u in db.session.scalars(_with_posts(sa.select(User)))"
        ".unique()]\n",
    ),
    (
        "first-or-404",
        "def f(name):\n    q = User.query.filter_by(name=name)\n    return q.first_or_404()\n",
        "def f(name):\n    q = sa.select(User).filter_by(name=name)\n"
        "    return db.first_or_404(q.limit(1))\n",
    ),
    (
        "two-runs",
        "def f(name):\n    q = User.query\n    a = q.filter_by(name=name).all()\n"
        "    b = q.count()\n    return a, b\n",
        "def f(name):\n    q = sa.select(User)\n"
        "    a = db.session.scalars(q.filter_by(name=name)).all()\n"
        "    b = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))\n"
        "    return a, b\n",
    ),
    (
        "two-sources-of-one-model",
        "def f(a):\n    if a:\n        q = User.query.filter_by(name=a)\n    else:\n"
        "        q = User.query\n    return q.all()\n",
        "def f(a):\n    if a:\n        q = sa.select(User).filter_by(name=a)\n    else:\n"
        "        q = sa.select(User)\n    return db.session.scalars(q).all()\n",
    ),
]


@pytest.mark.parametrize(
    ("before", "after"), [c[1:] for c in REWRITTEN], ids=[c[0] for c in REWRITTEN]
)
def test_rewrite(project: Project, before: str, after: str) -> None:
    """Both ends are rewritten; it compiles and a second run changes nothing."""
    result = rewrite(project, HEADER + before, HEADER_SA + after, "FSC201")
    keys = {f.key for f in result.findings if f.feature == "FSC201"}
    assert keys == {"FSC201.local-builder"}
    assert set(result.statuses("FSC201.local-builder")) == {Status.FIX}


# (id, views.py body after HEADER, where the finding says it escapes)
LEFT = [
    (
        "stored-on-an-object",
        "class V:\n    def f(self):\n        self.q = User.query\n        return self.q.all()\n",
        "it is stored in 'self.q'",
    ),
    (
        "module-level-name",
        "q = User.query.filter_by(name='a')\n\n\ndef f():\n    return q.all()\n",
        "it is stored in 'q', a name of the module",
    ),
    (
        "passed-to-an-unknown-function",
        "def f(render):\n    q = User.query\n    return render(q)\n",
        "it is passed to 'render()' (line 5)",
    ),
    (
        "decorated-helper",
        "import functools\n\n\n@functools.cache\ndef _b():\n    return User.query\n\n\n"
        "def f():\n    return _b().all()\n",
        "it goes through '_b', which is decorated",
    ),
    (
        "helper-used-as-a-value",
        "def _b():\n    return User.query\n\n\nHANDLERS = [_b]\n\n\n"
        "def f():\n    return _b().all()\n",
        "it goes through '_b', which is used other than by a call",
    ),
    (
        "name-reassigned-to-a-result",
        "def f():\n    q = User.query\n    q = q.all()\n    return len(q)\n",
        "'q' is also assigned 'q.all()' (line 5)",
    ),
    (
        "read-in-a-nested-function",
        "def f():\n    q = User.query\n\n    def g():\n        return q.all()\n\n    return g()\n",
        "'q' is read in a nested function or lambda (line 7)",
    ),
    (
        "returned-from-a-method",
        "class V:\n    def _b(self):\n        return User.query\n\n"
        "    def f(self):\n        return self._b().all()\n",
        "it is returned from or passed to the method '_b'",
    ),
    (
        "truth-test",
        "def f():\n    q = User.query\n    if q:\n        return q.all()\n",
        "uses it in a way no rewrite proves (line 5)",
    ),
    (
        "two-models",
        "def f(a):\n    q = User.query\n    if a:\n        q = Post.query\n    return q.all()\n",
        "it is built from both 'User.query' and 'Post.query' (line 6)",
    ),
    (
        "method-with-no-select-form",
        "def f():\n    q = User.query.filter_by(name='a')\n    return q.delete()\n",
        "'q.delete()' has no 1:1 rewrite the tool makes (line 5)",
    ),
    (
        "generator",
        "def _b():\n    yield User.query\n",
        "'yield User.query' uses it in a way no rewrite proves",
    ),
    (
        "helper-also-returns-none",
        "def _b(a):\n    if a:\n        return User.query\n    return None\n\n\n"
        "def f():\n    return _b(1).all()\n",
        "'_b' also returns 'None' (line 6)",
    ),
    (
        "parameter-of-a-function-never-called-here",
        "def _f(q):\n    return q.filter_by(name='a')\n\n\n"
        "def g(x):\n    a = _f(User.query).all()\n    b = _f(x).all()\n    return a, b\n",
        "'g' is not called here, so 'x' may be anything (line 7)",
    ),
    (
        "helper-never-called-here",
        "def recent():\n    return Post.query.order_by(Post.id.desc())\n",
        "'recent' is not called here",
    ),
    (
        "helper-called-without-it",
        "def _f(q=None):\n    return q.filter_by(name='a')\n\n\n"
        "def g():\n    return _f(User.query).all(), _f()\n",
        "'_f()' does not pass 'q'",
    ),
]


@pytest.mark.parametrize(("body", "why"), [c[1:] for c in LEFT], ids=[c[0] for c in LEFT])
def test_escape_is_left_and_named(project: Project, body: str, why: str) -> None:
    """The value escapes: nothing but a TODO is added, and the finding names the place."""
    project.write({"models.py": MODELS, "views.py": HEADER + body})
    result = project.migrate(select="FSC201")
    builders = [f for f in result.findings if f.key == "FSC201.builder"]
    assert builders and {f.status for f in builders} == {Status.MANUAL}
    assert "FSC201.local-builder" not in {f.key for f in result.findings}
    assert why in builders[0].message, builders[0].message
    source = project.read("views.py")
    assert "sa.select" not in source and "db.session" not in source
    kept = [line for line in source.splitlines() if "# TODO(fss FSC201)" not in line]
    assert "\n".join(kept) + "\n" == HEADER + body
    assert project.migrate(select="FSC201").sources == {}


VIEWS = HEADER + (
    "def recent():\n    return Post.query.order_by(Post.id.desc())\n\n\n"
    "def _named(name):\n    return User.query.filter_by(name=name)\n\n\n"
    "def latest():\n    return recent().first()\n\n\n"
    "def one(name):\n    return _named(name).one()\n"
)


def test_helper_another_module_uses_crosses_modules(project: Project) -> None:
    """A helper another scanned module imports is left, naming that module; a helper of
    the same module no other imports is rewritten.
    """
    other = f"from {project.package}.views import recent\n\nposts = recent().all()\n"
    project.write({"models.py": MODELS, "views.py": VIEWS, "feed.py": other})
    result = project.migrate(select="FSC201")
    by_line = {f.line: f for f in result.findings if f.path.endswith("views.py")}
    crossing = by_line[4]
    assert crossing.key == "FSC201.builder" and crossing.status is Status.MANUAL
    assert f"it crosses modules: '{project.package}.feed' uses" in crossing.message
    assert f"'{project.package}.views.recent'" in crossing.message
    assert by_line[8].key == "FSC201.local-builder" and by_line[8].status is Status.FIX
    source = project.read("views.py")
    assert "return Post.query.order_by(Post.id.desc())" in source
    assert "return recent().first()" in source
    assert "return db.session.scalars(_named(name)).one()" in source
    assert project.read("feed.py") == other


def test_module_imported_whole_crosses_modules(project: Project) -> None:
    """``from . import views`` and ``views.recent()`` elsewhere: that helper crosses modules."""
    other = "from . import views\n\nposts = views.recent().all()\n"
    project.write({"models.py": MODELS, "views.py": VIEWS, "feed.py": other})
    result = project.migrate(select="FSC201")
    keys = {f.line: f.key for f in result.findings if f.path.endswith("views.py")}
    assert keys == {4: "FSC201.builder", 8: "FSC201.local-builder"}


def test_an_import_of_another_name_does_not_cross(project: Project) -> None:
    """Another module importing a different function of the module changes nothing."""
    other = f"from {project.package}.views import latest\n\npost = latest()\n"
    project.write({"models.py": MODELS, "views.py": VIEWS, "feed.py": other})
    result = project.migrate(select="FSC201")
    statuses = result.statuses("FSC201.local-builder")
    assert statuses == [Status.FIX, Status.FIX]
    assert "return sa.select(Post).order_by(Post.id.desc())" in project.read("views.py")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            "def f():\n    q = User.query.options(o)\n    return q.first_or_404()\n",
            "options() may eager-load a collection",
        ),
        (
            "def f():\n    q = User.query.join(User.posts)\n    return q.one_or_404()\n",
            "db.one_or_404 cannot de-duplicate",
        ),
    ],
)
def test_blocked_run_keeps_both_ends(project: Project, body: str, why: str) -> None:
    """A run whose 2.x form would change the result blocks the web: nothing is rewritten."""
    project.write({"models.py": MODELS, "views.py": HEADER + body})
    result = project.migrate(select="FSC201")
    (finding,) = [f for f in result.findings if f.feature == "FSC201"]
    assert finding.key == "FSC201.local-builder" and finding.status is Status.BLOCKED
    assert why in finding.message
    assert project.read("views.py") == HEADER + body


def test_not_selected_leaves_both_ends(project: Project) -> None:
    """Selecting other FSC201 rewrites reports the web but edits neither end."""
    body = REWRITTEN[0][1]
    project.write({"models.py": MODELS, "views.py": HEADER + body})
    result = project.migrate(select="FSC201.all,FSC201.first")
    assert len(result.statuses("FSC201.local-builder")) == 1
    assert result.sources == {} and project.read("views.py") == HEADER + body


def test_scan_reports_what_migrate_rewrites(project: Project) -> None:
    """The scan (no edit) and migrate judge a web's source the same."""
    body = REWRITTEN[0][1] + "\n\n" + LEFT[2][1]
    project.write({"models.py": MODELS, "views.py": HEADER + body})
    scanned = sorted((f.line, f.key) for f in project.scan().findings if f.feature == "FSC201")
    assert scanned == [(4, "FSC201.local-builder"), (11, "FSC201.builder")]
    migrated = project.migrate(select="FSC201")
    assert sorted((f.line, f.key) for f in migrated.findings if f.feature == "FSC201") == scanned


def test_helper_taking_the_query_crosses_modules(project: Project) -> None:
    """A helper whose parameter holds the value, called from another module (which may
    pass a legacy Query), is left in both modules.
    """
    views = HEADER + (
        "def _named(q, name):\n    return q.filter_by(name=name)\n\n\n"
        "def one(name):\n    return _named(User.query, name).one()\n"
    )
    other = f"from {project.package}.views import _named\nfrom .models import Post\n\n"
    other += "posts = _named(Post.query, 'x').all()\n"
    project.write({"models.py": MODELS, "views.py": views, "feed.py": other})
    result = project.migrate(select="FSC201")
    keys = {(f.path.rpartition("/")[2], f.key) for f in result.findings if f.feature == "FSC201"}
    assert keys == {("views.py", "FSC201.builder"), ("feed.py", "FSC201.builder")}
    crossing = next(f for f in result.findings if f.path.endswith("views.py"))
    assert f"'{project.package}.feed' uses '{project.package}.views._named'" in crossing.message
    assert "sa.select" not in project.read("views.py") + project.read("feed.py")
