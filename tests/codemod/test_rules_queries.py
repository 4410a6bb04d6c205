"""FSC201 model-query: each Query shape, before and after, and what is left alone."""

from __future__ import annotations

import pytest

from fss_compat.codemod.engine import Status
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests._support.codemod import rewrite

HEADER = "from .models import User, Post, db\n\n"
#: HEADER with the import the rewrites add: LibCST's AddImportsVisitor puts it after the
#: module's first block of imports.
HEADER_SA = "from .models import User, Post, db\nimport sqlalchemy as sa\n\n"

# (id, before, after): each a views.py body after HEADER.
CASES = [
    ("get", "u = User.query.get(1)\n", "u = db.session.get(User, 1)\n"),
    (
        "get-or-404",
        'u = User.query.get_or_404(7, description="No user")\n',
        'u = db.get_or_404(User, 7, description="No user")\n',
    ),
    (
        "first",
        'u = User.query.filter_by(name="a").first()\n',
        'u = db.session.scalars(sa.select(User).filter_by(name="a").limit(1)).first()\n',
    ),
    (
        "first-with-limit",
        "u = User.query.order_by(User.id).limit(5).first()\n",
        "u = db.session.scalars(sa.select(User).order_by(User.id).limit(5).limit(1)).first()\n",
    ),
    (
        "all",
        "us = User.query.filter(User.id > 1).order_by(User.id).all()\n",
        "us = db.session.scalars(sa.select(User).filter(User.id > 1).order_by(User.id)).all()\n",
    ),
    (
        "one",
        'u = User.query.filter_by(name="a").one()\n',
        'u = db.session.scalars(sa.select(User).filter_by(name="a")).one()\n',
    ),
    (
        "one-or-none",
        "u = User.query.where(User.id == 1).one_or_none()\n",
        "u = db.session.scalars(sa.select(User).where(User.id == 1)).one_or_none()\n",
    ),
    (
        "join-unique",
        "us = User.query.join(User.posts).filter(Post.id > 0).all()\n",
        "us = db.session.scalars(sa.select(User).join(User.posts).filter(Post.id > 0))"
        ".unique().all()\n",
    ),
    (
        "join-first",
        "u = User.query.outerjoin(User.posts).first()\n",
        "u = db.session.scalars(sa.select(User).outerjoin(User.posts).limit(1)).unique().first()\n",
    ),
    (
        "first-or-404",
        'u = User.query.filter_by(name="a").first_or_404(description="x")\n',
        'u = db.first_or_404(sa.select(User).filter_by(name="a").limit(1), description="x")\n',
    ),
    (
        "one-or-404",
        'u = User.query.filter_by(name="a").one_or_404()\n',
        'u = db.one_or_404(sa.select(User).filter_by(name="a"))\n',
    ),
    (
        "paginate",
        "p = Post.query.order_by(Post.id).paginate(page=2, per_page=20)\n",
        "p = db.paginate(sa.select(Post).order_by(Post.id), page=2, per_page=20)\n",
    ),
    (
        "count",
        "n = User.query.filter(User.id > 1).count()\n",
        "n = db.session.scalar(sa.select(sa.func.count())"
        ".select_from(sa.select(User).filter(User.id > 1).subquery()))\n",
    ),
    (
        "result-attribute",
        "name = User.query.filter_by(id=1).first().name\n",
        "name = db.session.scalars(sa.select(User).filter_by(id=1).limit(1)).first().name\n",
    ),
    (
        "nested",
        "u = User.query.get(Post.query.get(1).author_id)\n",
        "u = db.session.get(User, db.session.get(Post, 1).author_id)\n",
    ),
    (
        "session-get-or-404",
        "u = db.session.query(User).get_or_404(7)\n",
        "u = db.get_or_404(User, 7)\n",
    ),
    (
        "session-first-or-404",
        'u = db.session.query(User).filter_by(name="a").first_or_404()\n',
        'u = db.first_or_404(sa.select(User).filter_by(name="a").limit(1))\n',
    ),
    (
        "session-paginate",
        "p = db.session.query(Post).order_by(Post.id).paginate(page=2, per_page=20)\n",
        "p = db.paginate(sa.select(Post).order_by(Post.id), page=2, per_page=20)\n",
    ),
]


@pytest.mark.parametrize(("before", "after"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rewrite(project: Project, before: str, after: str) -> None:
    """Each chain becomes its 2.x form; it compiles and a second run changes nothing."""
    expected = (HEADER_SA if "sa." in after else HEADER) + after
    rewrite(project, HEADER + before, expected, "FSC201")


def test_existing_import_names_are_reused(project: Project) -> None:
    """``from sqlalchemy import select`` is used as it is, and no import is added."""
    before = "from sqlalchemy import select\n\n" + HEADER + "us = User.query.all()\n"
    after = "from sqlalchemy import select\n\n" + HEADER
    after += "us = db.session.scalars(select(User)).all()\n"
    rewrite(project, before, after, "FSC201")


def test_db_is_imported_when_missing(project: Project) -> None:
    """A module that has the model but not ``db`` gets ``from <models> import db``."""
    before = '"""Views."""\n\nfrom .models import User\n\nu = User.query.get(1)\n'
    after = '"""Views."""\n\nfrom .models import db, User\n\nu = db.session.get(User, 1)\n'
    rewrite(project, before, after, "FSC201")


def test_comments_and_layout_are_kept(project: Project) -> None:
    """Comments inside a multi-line chain stay where they were."""
    before = HEADER + (
        "us = (\n"
        "    User.query.filter(User.id > 1)  # only some\n"
        "    .order_by(User.id)\n"
        "    .all()  # every one\n"
        ")\n"
    )
    after = (
        HEADER_SA + "us = (\n"
        "    db.session.scalars(sa.select(User).filter(User.id > 1)  # only some\n"
        "    .order_by(User.id))\n"
        "    .all()  # every one\n"
        ")\n"
    )
    rewrite(project, before, after, "FSC201")


def test_not_a_model_is_left_alone(project: Project) -> None:
    """``.query`` on a class that is not a model, or on a parameter, is not a site."""
    source = HEADER + (
        "class Search:\n    query = None\n\n\n"
        "def find(User):\n    return User.query.get(1)\n\n\n"
        "x = Search.query.get(1)\n"
    )
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(select="FSC201")
    assert result.sources.get("views.py", source) == source
    assert [f for f in result.findings if f.feature == "FSC201"] == []


def test_already_migrated_is_a_no_op(project: Project) -> None:
    """Code already in 2.x form has no finding and does not change."""
    source = HEADER + "u = db.session.get(User, 1)\n"
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(select="FSC201")
    assert result.statuses("FSC201") == [] and project.read("views.py") == source


@pytest.mark.parametrize(
    ("line", "rewrite_name", "status"),
    [
        ("q = User.query\n", "builder", Status.MANUAL),
        ("q = User.query.filter_by(name='a')\n", "builder", Status.MANUAL),
        ("x = User.query.with_entities(User.id).from_self().all()\n", "unsupported", Status.MANUAL),
        ("x = User.query.with_entities(Post).all()\n", "rows", Status.BLOCKED),
        ("x = User.query.join(User.posts).delete()\n", "unsupported", Status.MANUAL),
        ("x = User.query.filter_by(id=1).get(1)\n", "unsupported", Status.MANUAL),
        ("x = User.query.paginate(2, 20)\n", "unsupported", Status.MANUAL),
        ("x = User.query.join(User.posts).one_or_404()\n", "one-or-404", Status.BLOCKED),
        ("x = User.query.options(o).first_or_404()\n", "first-or-404", Status.BLOCKED),
    ],
)
def test_what_is_not_rewritten(
    project: Project, line: str, rewrite_name: str, status: Status
) -> None:
    """Manual shapes get a TODO naming the guide section; blocked ones stay as they are."""
    project.write({"models.py": MODELS, "views.py": HEADER + line})
    result = project.migrate(select="FSC201")
    assert result.statuses(f"FSC201.{rewrite_name}") == [status]
    source = project.read("views.py")
    if status is Status.MANUAL:
        assert "# TODO(fss FSC201): " in source and '"FSC201 model-query"' in source
        assert source.endswith(line)
        assert project.migrate(select="FSC201").sources.get("views.py", source) == source
    else:
        assert source == HEADER + line
    compile(source, "views.py", "exec")


def test_count_short_needs_unsafe(project: Project) -> None:
    """With ``--unsafe`` a filter-only count drops the subquery; without, it keeps it."""
    before = HEADER + "n = User.query.filter_by(name='a').count()\n"
    after = HEADER_SA + (
        "n = db.session.scalar(sa.select(sa.func.count()).select_from(User).filter_by(name='a'))\n"
    )
    result = rewrite(project, before, after, "FSC201", unsafe=True)
    assert result.statuses("FSC201.count-short") == [Status.UNSAFE]


def test_custom_query_class_is_manual(project: Project) -> None:
    """A model with its own query_class keeps its queries, with a TODO: methods are the app's."""
    models = MODELS.replace(
        '    __tablename__ = "user"\n', '    __tablename__ = "user"\n    query_class = object\n'
    )
    project.write({"models.py": models, "views.py": HEADER + "u = User.query.get(1)\n"})
    result = project.migrate(select="FSC201")
    assert result.statuses("FSC201.unsupported") == [Status.MANUAL]
    assert "custom query_class" in project.read("views.py")


def test_models_found_across_modules(project: Project) -> None:
    """A model imported through a re-export and a subclass of a model are both resolved."""
    project.write(
        {
            "ext.py": "from fss_compat import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "base.py": "from .ext import db\n\n\nclass Base(db.Model):\n    __abstract__ = True\n",
            "models/__init__.py": "from .people import Person\n",
            "models/people.py": (
                "import sqlalchemy as sa\n\nfrom ..base import Base\n\n\n"
                "class Person(Base):\n    id = sa.Column(sa.Integer, primary_key=True)\n\n\n"
                "class Admin(Person):\n    level = sa.Column(sa.Integer)\n"
            ),
            "views.py": "from . import models\nfrom .models.people import Admin\n\n"
            "a = models.Person.query.get(1)\nb = Admin.query.all()\n",
        }
    )
    result = project.migrate(select="FSC201")
    source = project.read("views.py")
    assert "db.session.get(models.Person, 1)" in source
    assert "db.session.scalars(sa.select(Admin)).all()" in source
    assert f"from {project.package}.ext import db" in source
    assert [f.status for f in result.findings if f.feature == "FSC201"] == [Status.FIX] * 2


def test_plain_session_query_chains_are_left_alone(project: Project) -> None:
    """On ``db.session.query(Model)`` only Flask-SQLAlchemy's own methods are sites; the
    rest is plain SQLAlchemy, and so is any chain on a session that is not a ``db``'s.
    """
    source = HEADER + (
        "us = db.session.query(User).filter_by(name='a').all()\n"
        "n = db.session.query(User).count()\n"
        "q = db.session.query(User)\n"
        "pairs = db.session.query(User, Post).paginate(page=1, per_page=5)\n\n\n"
        "def f(other):\n    return other.session.query(User).paginate(page=1, per_page=5)\n"
    )
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(select="FSC201")
    assert result.sources.get("views.py", source) == source
    assert [f for f in result.findings if f.feature == "FSC201"] == []


def test_session_query_paginate_reading_the_request(project: Project) -> None:
    """``db.session.query(Model).paginate()`` without page numbers is also FSC605."""
    line = "p = db.session.query(Post).paginate()\n"
    project.write({"models.py": MODELS, "views.py": HEADER + line})
    result = project.migrate(select="FSC201")
    assert result.statuses("FSC201.paginate") == [Status.FIX]
    assert result.statuses("FSC605.request-args") == [Status.MANUAL]
