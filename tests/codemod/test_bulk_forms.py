"""FSC201 ``delete`` and ``update``: ``Model.query...delete()`` as ``session.execute(delete())``.

Differential: each legacy function and its rewrite by the tool run on a fresh seeded
database; the returned count, the rows left in the database, the state of the objects the
session had loaded and the SQL statements sent must be the same.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from fss_compat.codemod.engine import Status
from tests._support.codemod import Project
from tests._support.differential import MODELS
from tests._support.differential import seed

VIEWS = """\
from .models import Post, User, db


def delete_by_name():
    return User.query.filter_by(name="u1").delete()


def delete_without_sync():
    return Post.query.filter(Post.id > 4).delete(synchronize_session=False)


def delete_fetching():
    return Post.query.where(Post.author_id == 2).filter(Post.id < 6).delete("fetch")


def delete_as_statement():
    Post.query.filter_by(title="p10").delete()


def update_by_attribute():
    return Post.query.filter(Post.id <= 3).update({Post.title: Post.title + "!"})


def update_by_name():
    return User.query.filter_by(name="u2").update(values={"name": "two"}, synchronize_session=0)


def update_everything():
    return Post.query.update({"author_id": 3}, synchronize_session=False)
"""
FUNCTIONS = [line[4:].split("(")[0] for line in VIEWS.splitlines() if line.startswith("def ")]


def _outcome(function: t.Callable[[], object], models: t.Any) -> object:
    """Run on a fresh seeded database with every row loaded: what the caller and the
    session see afterwards, the rows in the database and the statements sent."""
    db = models.db
    db.drop_all()
    seed(models)
    loaded = db.session.scalars(sa.select(models.Post).order_by(models.Post.id)).all()
    users = db.session.scalars(sa.select(models.User).order_by(models.User.id)).all()
    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        value = function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    session = [
        (type(o).__name__, o.id, o in db.session, getattr(o, "title", getattr(o, "name", "")))
        for o in [*loaded, *users]
        if o in db.session
    ]
    db.session.commit()
    rows = db.session.execute(
        sa.select(models.Post.id, models.Post.title, models.Post.author_id)
    ).all()
    names = db.session.scalars(sa.select(models.User.name).order_by(models.User.id)).all()
    db.session.remove()
    return value, session, [tuple(r) for r in rows], names, statements


@pytest.fixture
def before_after(project: Project) -> t.Iterator[tuple[t.Any, t.Any, t.Any]]:
    project.write({"models.py": MODELS, "legacy.py": VIEWS, "views.py": VIEWS})
    result = project.migrate(select="FSC201.delete,FSC201.update")
    assert result.statuses("FSC201") == [Status.FIX] * 2 * len(FUNCTIONS)
    project.write({"legacy.py": VIEWS})
    assert ".query" not in project.read("views.py")
    models, legacy, views = project.modules("models", "legacy", "views")
    with project.app(models).app_context():
        yield models, legacy, views
        models.db.engine.dispose()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_same_count_rows_session_and_sql(
    before_after: tuple[t.Any, t.Any, t.Any], name: str
) -> None:
    """The rewrite returns the same count and leaves the database and the session alike."""
    models, legacy, views = before_after
    assert _outcome(getattr(views, name), models) == _outcome(getattr(legacy, name), models)


def test_a_bulk_event_listener_keeps_the_query(project: Project) -> None:
    """A project that listens to ``after_bulk_delete`` keeps ``Query.delete()``: blocked."""
    listener = (
        "import sqlalchemy as sa\n\nfrom .models import db\n\n\n"
        '@sa.event.listens_for(db.session, "after_bulk_delete")\n'
        "def audit(context):\n    pass\n"
    )
    views = "from .models import User\n\nUser.query.filter_by(name='x').delete()\n"
    views += "User.query.update({'name': 'y'})\n"
    project.write({"models.py": MODELS, "events.py": listener, "views.py": views})
    result = project.migrate(stage=5)
    assert result.statuses("FSC201.delete") == [Status.BLOCKED]
    assert result.statuses("FSC201.update") == [Status.FIX]
    (blocked,) = [f for f in result.findings if f.key == "FSC201.delete"]
    assert "'after_bulk_delete'" in blocked.message
    assert "User.query.filter_by(name='x').delete()" in project.read("views.py")


@pytest.mark.parametrize(
    "call",
    [
        "User.query.order_by(User.id).delete()",
        "User.query.join(User.posts).update({'name': 'x'})",
        "User.query.filter_by(name='x').delete(delete_args={})",
        "User.query.update()",
        "User.query.filter_by(name='x').delete().bit_length()",
    ],
)
def test_chains_query_delete_refuses_are_left(project: Project, call: str) -> None:
    """Joins, ordering, extra arguments or more calls after the terminal: reported, left."""
    source = f"from .models import User\n\nn = {call}\n"
    project.write({"models.py": MODELS, "views.py": source})
    result = project.migrate(select="FSC201")
    assert Status.FIX not in result.statuses("FSC201")
    assert call in project.read("views.py")
