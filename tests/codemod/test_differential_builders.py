"""Differential execution of FSC201.local-builder: a query built in one function and run in
another gives the legacy result once the tool has rewritten both ends.

A module of builder shapes (local names refined on several paths, helpers that return the
value or take it as a parameter, joins made in a helper, loops over it) is written twice:
as it is (``legacy.py``) and as ``migrate`` rewrites it (``views.py``). Each call runs on
both, on SQLite and on the test run's PostgreSQL server: the results must be equal (ids,
lists, pagination numbers, 404s) and the rewrite must send no more SQL statements, with
``LIMIT`` where the legacy form had it.
"""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Iterator

import pytest

from fss_compat.codemod.engine import Status
from tests._support.codemod import Project
from tests._support.differential import MODELS
from tests._support.differential import run
from tests._support.differential import same_sql
from tests._support.differential import seed
from tests._support.postgresql import Database

BUILDERS = """\
from .models import Post, User, db


def _visible(q):
    return q.filter(Post.title != "p11")


def _by_author(name):
    return Post.query.join(Post.author).filter(User.name == name)


def _with_posts(q, prefix):
    return q.join(User.posts).filter(Post.title.like(prefix + "%"))


def refined(name, newest):
    q = User.query
    if name:
        q = q.filter_by(name=name)
    if newest:
        q = q.order_by(User.id.desc())
    else:
        q = q.order_by(User.id)
    return q.all()


def first_named(name):
    q = User.query.filter_by(name=name)
    return q.first()


def through_parameter():
    return _visible(Post.query).order_by(Post.id).all()


def returned(name):
    return _by_author(name).order_by(Post.id).all()


def returned_first(name):
    return _by_author(name).order_by(Post.id.desc()).first()


def joined(prefix):
    q = _with_posts(User.query, prefix)
    return q.order_by(User.id).all()


def joined_first():
    q = User.query.outerjoin(User.posts)
    q = q.order_by(User.id)
    return q.first()


def joined_at_the_run():
    q = User.query.filter(User.id > 1)
    return q.join(User.posts).order_by(User.id).all()


def joined_count(prefix):
    return _with_posts(User.query, prefix).count()


def counted():
    q = _visible(Post.query)
    return q.count()


def paged(page):
    q = _visible(Post.query).order_by(Post.id)
    return q.paginate(page=page, per_page=2)


def joined_paged(page):
    q = _with_posts(User.query, "p").order_by(User.id)
    return q.paginate(page=page, per_page=2)


def looped():
    q = Post.query.order_by(Post.id.desc())
    titles = []
    for post in q:
        titles.append(post.title)
    return titles


def looped_join():
    q = _with_posts(User.query, "p")
    return [user.name for user in q.order_by(User.id)]


def found_or_404(name):
    q = User.query.filter_by(name=name)
    return q.first_or_404(description="no user")


def exactly_one(name):
    q = User.query
    q = q.filter_by(name=name)
    return q.one_or_none()


def one_or_404(name):
    q = _visible(Post.query).filter_by(title=name)
    return q.one_or_404()
"""

#: (function, arguments) per call; every function of BUILDERS but the helpers.
CALLS: list[tuple[str, tuple[t.Any, ...]]] = [
    ("refined", ("", True)),
    ("refined", ("u2", False)),
    ("refined", ("zz", False)),
    ("first_named", ("u3",)),
    ("first_named", ("zz",)),
    ("through_parameter", ()),
    ("returned", ("u1",)),
    ("returned_first", ("u2",)),
    ("returned_first", ("zz",)),
    ("joined", ("p",)),
    ("joined", ("p2",)),
    ("joined_first", ()),
    ("joined_at_the_run", ()),
    ("joined_count", ("p",)),
    ("counted", ()),
    ("paged", (1,)),
    ("paged", (4,)),
    ("joined_paged", (1,)),
    ("joined_paged", (2,)),
    ("looped", ()),
    ("looped_join", ()),
    ("found_or_404", ("u1",)),
    ("found_or_404", ("zz",)),
    ("exactly_one", ("u2",)),
    ("exactly_one", ("zz",)),
    ("one_or_404", ("p12",)),
    ("one_or_404", ("p11",)),
]


@pytest.fixture
def modules(project: Project, database: Database) -> Iterator[tuple[t.Any, t.Any, t.Any]]:
    """The models, the legacy module and its rewrite, on a seeded database."""
    project.write({"models.py": MODELS, "views.py": BUILDERS})
    result = project.migrate(select="FSC201")
    findings = [f for f in result.findings if f.path.endswith("views.py")]
    assert {(f.key, f.status) for f in findings} == {("FSC201.local-builder", Status.FIX)}
    assert len(findings) == BUILDERS.count(".query")
    assert ".query" not in project.read("views.py")
    project.write({"legacy.py": BUILDERS})
    models, legacy, views = project.modules("models", "legacy", "views")
    with project.app(models, SQLALCHEMY_DATABASE_URI=database.url).app_context():
        seed(models)
        yield models, legacy, views
        models.db.session.remove()
        models.db.engine.dispose()


def test_builders_give_the_same_results(modules: tuple[t.Any, t.Any, t.Any]) -> None:
    """Each call of the rewritten module returns what the legacy one returns, with no
    more SQL statements.
    """
    models, legacy, views = modules
    called = {name for name, _ in CALLS}
    public = {name for name in vars(legacy) if callable(getattr(legacy, name))}
    assert called == {name for name in public if name[0].islower() and name[0] != "_"} - {"db"}
    for name, args in CALLS:
        legacy_value, legacy_sql = run(functools.partial(getattr(legacy, name), *args), models.db)
        new_value, new_sql = run(functools.partial(getattr(views, name), *args), models.db)
        assert new_value == legacy_value, (name, args)
        assert same_sql(legacy_sql, new_sql), (name, args, legacy_sql, new_sql)
