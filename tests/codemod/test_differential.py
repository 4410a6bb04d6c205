"""Differential execution: each safe rewrite, made by the tool, gives the legacy result.

The legacy expressions are written into a module, the tool rewrites it, and both forms run
against the same seeded SQLite database through fss_compat. The results must be equal (as
plain values: ids, lists, pagination numbers, 404s), and the rewrite must send no more SQL
statements, with ``LIMIT`` where the legacy form had it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import typing as t
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import catalogue
from fss_compat.codemod.engine import Status
from tests._support.codemod import Project
from tests._support.differential import MODELS
from tests._support.differential import run
from tests._support.differential import same_sql
from tests._support.differential import seed

#: Legacy expressions, one per line of the module the tool rewrites.
LEGACY = [
    "User.query.get(1)",
    "User.query.get(99)",
    "User.query.get_or_404(2)",
    "User.query.get_or_404(99, description='none')",
    "User.query.filter_by(name='u1').first()",
    "User.query.order_by(User.id.desc()).first()",
    "User.query.filter(User.id > 1).order_by(User.id).all()",
    "User.query.filter_by(name='u2').one()",
    "User.query.filter_by(name='zz').one_or_none()",
    "Post.query.order_by(Post.id).limit(3).offset(1).all()",
    "User.query.distinct().order_by(User.id).all()",
    "User.query.join(User.posts).order_by(User.id).all()",
    "User.query.filter_by(name='u1').join(User.posts).filter(Post.title.like('p1%')).one()",
    "User.query.outerjoin(User.posts).order_by(User.id).first()",
    "User.query.options(orm.joinedload(User.posts)).order_by(User.id).all()",
    "User.query.filter_by(name='u3').first_or_404()",
    "User.query.filter_by(name='zz').first_or_404(description='no')",
    "Post.query.order_by(Post.id).paginate(page=2, per_page=2)",
    "User.query.join(User.posts).order_by(User.id).paginate(page=1, per_page=2)",
    "User.query.filter(User.id > 1).count()",
    "User.query.with_entities(User.id, User.name).order_by(User.id).all()",
    "User.query.filter(User.id > 1).with_entities(User.name).order_by(User.id).all()",
    "Post.query.add_entity(User).join(Post.author).order_by(Post.id).first()",
    "User.query.join(User.posts).add_columns(Post.title).order_by(Post.id).all()",
    "User.query.with_entities(User.name).filter_by(name='u2').one()",
    "User.query.with_entities(User.id, User.name).filter_by(name='zz').one_or_none()",
    "User.query.join(User.posts).with_entities(User.id).count()",
    "User.query.join(User.posts).count()",
    "Post.query.order_by(Post.id).limit(2).count()",
    "db.session.query(User).get_or_404(3)",
    "db.session.query(User).filter_by(name='zz').first_or_404()",
    "db.session.query(Post).order_by(Post.id.desc()).paginate(page=1, per_page=3)",
    "db.get_or_404(User, 1)",
    "db.get_or_404(User, 99)",
    "db.first_or_404(sa.select(User).filter_by(name='u1'))",
    "db.one_or_404(sa.select(User).filter_by(name='zz'))",
    "db.get_engine()",
    "db.Integer",
    "db.func.count(User.id)",
    "db.select(User).where(User.id == 1)",
]
SAFE = ",".join(
    f"{feature.id}.{rewrite.name}"
    for feature in catalogue.CATALOGUE
    for rewrite in feature.rewrites
    if rewrite.safety is catalogue.Safety.SAFE and feature.id != "FSC001"
)
# A conditional rewrite whose condition every line here meets.
SAFE += ",FSC201.rows"


@pytest.fixture
def rewritten(project: Project) -> Iterator[tuple[list[str], list[str], dict[str, t.Any]]]:
    """The legacy lines, their rewrites by the tool, and a namespace on a seeded database."""
    views = "import sqlalchemy as sa\nimport sqlalchemy.orm as orm\n\n"
    views += "from .models import Post, User, db\n\n"
    views += "".join(f"e{n} = {line}\n" for n, line in enumerate(LEGACY))
    project.write({"models.py": MODELS, "views.py": views})
    result = project.migrate(select=SAFE)
    assert {f.status for f in result.findings if f.path.endswith("views.py")} == {Status.FIX}
    source = project.read("views.py")
    new = [re.search(rf"^e{n} = (.*)$", source, re.M).group(1) for n in range(len(LEGACY))]  # type: ignore[union-attr]
    imports = "\n".join(line for line in source.splitlines() if line.startswith("from fss_compat"))
    namespace: dict[str, t.Any] = {}
    sys.path.insert(0, str(project.root))
    module = importlib.import_module(f"{project.package}.models")
    namespace.update(vars(module), sa=sa, orm=orm)
    exec(imports, namespace)
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = module.db
    db.init_app(app)
    with app.app_context():
        seed(module)
        yield LEGACY, new, namespace
        db.engine.dispose()


def _run(expression: str, namespace: dict[str, t.Any]) -> tuple[object, list[str]]:
    """Evaluate on a fresh session; the plain result and the SQL statements sent."""
    return run(lambda: eval(expression, namespace), namespace["db"])


def test_safe_rewrites_give_the_same_results(
    rewritten: tuple[list[str], list[str], dict[str, t.Any]],
) -> None:
    """Every safe rewrite returns what the legacy form returns, with no more SQL statements."""
    old, new, namespace = rewritten
    assert all(a != b for a, b in zip(old, new, strict=True)), "every line must have been rewritten"
    for before, after in zip(old, new, strict=True):
        legacy_value, legacy_sql = _run(before, namespace)
        new_value, new_sql = _run(after, namespace)
        assert new_value == legacy_value, (before, after)
        assert same_sql(legacy_sql, new_sql), (before, after, legacy_sql, new_sql)


def test_import_swap_targets_exist() -> None:
    """Each Flask-SQLAlchemy module the import swap maps has its fss_compat shim."""
    from fss_compat.codemod.rules_setup import SHIMS

    flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy")
    upstream = {m.name for m in pkgutil.iter_modules(flask_sqlalchemy.__path__)}
    assert SHIMS == upstream - {"__main__"}
    for name in SHIMS:
        assert importlib.import_module(f"fss_compat.shims.{name}")
