"""The 2.5 level's intentional differences from Flask-SQLAlchemy 2.5.1, observed.

Each is registered in ``fss_compat.differences`` with its reason; 2.5.1's side of each is
what 2.5.1's source does (it has none of these names, and filters warnings at import).
"""

from __future__ import annotations

import subprocess
import sys
import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import shims_v2 as fsa
from tests._support.v2_scenarios import make_app


def _blog() -> tuple[t.Any, t.Any, t.Any]:
    app = make_app(SQLALCHEMY_BINDS={"audit": "sqlite://"})
    db = fsa.SQLAlchemy(app)

    class Post(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    return app, db, Post


@pytest.mark.difference("v2-db-superset")
def test_the_3_x_api_works_at_the_2_5_level() -> None:
    """The 2.5 level's db also has 3.x's helpers, engines and keyword ``bind_key``."""
    app, db, post = _blog()
    db.create_all(bind_key=None)
    with app.app_context():
        db.session.add_all([post(), post()])
        db.session.commit()
        assert db.get_or_404(post, 1).id == 1
        assert db.paginate(sa.select(post), page=1, per_page=1).total == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(post)) == 2
        assert set(db.engines) == {None, "audit"}
    with db.sessionmaker() as session:
        assert session.get(post, 2) is not None
    assert isinstance(db.Table("tags", sa.Column("id", sa.Integer)), sa.Table)
    # Not db.metadatas: extensions take it as the sign of 3.x (Flask-Migrate's multidb env.py).
    assert not hasattr(db, "metadatas")
    with pytest.raises(TypeError, match=r"fss_compat\.SQLAlchemy"):
        fsa.SQLAlchemy(model_class=type("Base", (orm.DeclarativeBase,), {}))


@pytest.mark.difference("v2-no-warning-filter")
def test_importing_the_2_5_level_leaves_warning_filters_alone() -> None:
    """Importing ``fss_compat.shims_v2`` adds no warning filter (2.5.1 adds 'always')."""
    code = (
        "import warnings\nbefore = list(warnings.filters)\n"
        "from fss_compat import alias\nalias.install(level='2.5')\nimport flask_sqlalchemy\n"
        "print(warnings.filters == before)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.difference("v2-pagination-superset")
def test_2_x_pages_have_3_x_attributes() -> None:
    """A 2.x page also has first, last and iteration; paginate(count=False) skips the count."""
    db, post = _blog()[1:]
    db.create_all()
    db.session.add_all([post() for _ in range(5)])
    db.session.commit()
    page = post.query.order_by(post.id).paginate(2, 2)
    assert (page.first, page.last, [p.id for p in page]) == (3, 4, [3, 4])
    assert post.query.paginate(page=1, per_page=2, count=False).total is None
