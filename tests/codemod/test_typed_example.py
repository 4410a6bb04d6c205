"""The example blog at stage 0, typed by one ``migrate --write``: the typed stage, no hand edit.

Stage 0 (``examples/stages/00-flask-sqlalchemy``) has the models as many apps have them:
untyped ``db.Column``s, a dynamic relationship with a ``backref``, automatic table names.
The ``fss-compat`` console script migrates the whole blog in one run (``--app`` for the
table names); a second run changes nothing. Its models are, byte for byte, the models of
the typed stage (``examples/stages/09-typed-models``, which ``tests/test_migration_stages.py``
checks is the tool's output stage by stage), and so are its views.
On the typed stage: the blog's own tests pass; the DDL of both databases is what stage 0
creates on Flask-SQLAlchemy, and Alembic's autogenerate against those databases finds
nothing; mypy --strict finds nothing: no model is left on ``db.Model`` (the ``audit`` one
gets a base of its own, FSC304.base).
"""

from __future__ import annotations

import difflib
import sys
import textwrap
from pathlib import Path

import pytest

from examples import stages
from tests.codemod.test_integration import SCRIPT
from tests.codemod.test_integration import STAGES
from tests.codemod.test_integration import _run

MYPY_FILES = ("examples/blog/models.py", "examples/blog/app.py")
#: The stage whose models are typed: the tool's stage 9 (FSC303, FSC305, FSC401).
TYPED = 9

COMPARE = textwrap.dedent(
    """
    import sys
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from examples.blog import models

    for key, name in ((None, "blog.db"), ("audit", "audit.db")):
        engine = sa.create_engine(f"sqlite:///{sys.argv[1]}/{name}")
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            print(key, compare_metadata(context, models.db.metadatas[key]))
        engine.dispose()
    """
)
CREATE = (
    "import sys\nfrom examples.blog import create_app\n"
    "create_app({'SQLALCHEMY_DATABASE_URI': f'sqlite:///{sys.argv[1]}/blog.db',"
    " 'SQLALCHEMY_BINDS': {'audit': f'sqlite:///{sys.argv[1]}/audit.db'}})\n"
)


def _tree(folder: Path, stage: int) -> Path:
    stages.lay_out(stage, folder)
    (folder / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    return folder


def _same(expected: str, written: str, name: str) -> None:
    assert written == expected, "".join(
        difflib.unified_diff(
            expected.splitlines(True), written.splitlines(True), f"expected {name}", name
        )
    )


def test_classic_blog_typed_in_one_run(tmp_path: Path) -> None:
    """One run types the models as the stages do, keeps the schema, and is a fixed point."""
    if not SCRIPT.exists():
        pytest.fail(f"No console script {SCRIPT}: reinstall the project ('pip install -e .').")
    before, after = _tree(tmp_path / "before", 0), _tree(tmp_path / "after", 0)
    typed = _tree(tmp_path / "typed", TYPED)
    databases = tmp_path / "databases"
    databases.mkdir()
    created = _run([sys.executable, "-c", CREATE, str(databases)], before)
    assert created.returncode == 0, created.stderr
    migrate = [str(SCRIPT), "migrate", "examples/blog", "--app", "examples.blog.models"]
    done = _run([*migrate, "--write"], after)
    assert done.returncode == 0, done.stderr
    # Nothing is left for the tool: no site to rewrite, none to report.
    again = _run([*migrate, "--check"], after)
    assert again.returncode == 0 and "nothing selected to do" in again.stderr, again.stderr
    written = stages.read(after / "examples" / "blog")
    for name in ("models.py", "app.py"):
        _same(stages.files(TYPED)[name], written[name], name)
    assert "TODO(fss" not in written["app.py"] and "db.paginate" not in written["app.py"]
    models = stages.files(TYPED)["models.py"]
    assert "posts: orm.WriteOnlyMapped[Post] = orm.relationship(" in models
    assert "author: orm.Mapped[User] = orm.relationship(" in models
    assert "db.Column" not in models and "backref" not in models
    assert models.count("(Base):") == 3 and "(db.Model)" not in models
    assert "class AuditEntry(AuditBase):" in models and "__bind_key__" not in models
    assert 'db.metadatas["audit"] = AuditBase.metadata' in models
    tests = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/blog"], typed
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    schema = [sys.executable, str(STAGES / "schema.py")]
    assert _run(schema, typed).stdout == _run(schema, before).stdout != ""
    compared = _run([sys.executable, "-c", COMPARE, str(databases)], typed)
    assert compared.stdout.split("\n")[:2] == ["None []", "audit []"], compared
    checked = _run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *MYPY_FILES],
        typed,
    )
    assert checked.returncode == 0, checked.stdout
