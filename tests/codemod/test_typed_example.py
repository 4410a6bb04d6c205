"""The blog written the classic Flask-SQLAlchemy way, typed by one ``migrate --write``.

``CLASSIC`` is the blog's models as many apps have them: untyped ``db.Column``s, a dynamic
relationship with a ``backref``, automatic table names. The ``fss-compat`` console script
migrates the whole blog in one run (``--app`` for the table names) into exactly the files
committed in ``classic_blog_typed/`` (byte for byte: the typed stage is the tool's output, no
hand edit; after a change of the tool, copy its output there and review the diff); a second
run changes nothing; the blog's own tests pass; the DDL of both databases is what the classic models
create on Flask-SQLAlchemy, and Alembic's autogenerate against those databases finds
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

CLASSIC = (Path(__file__).parent / "classic_blog_models.py.txt").read_text(encoding="utf-8")
MYPY_FILES = ("examples/blog/models.py", "examples/blog/app.py")
#: What the one run writes, committed as it is (no hand edit): the files it changes.
TYPED = Path(__file__).parent / "classic_blog_typed"

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


def _tree(folder: Path) -> Path:
    stages.lay_out(0, folder)
    (folder / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    (folder / "examples" / "blog" / "models.py").write_text(CLASSIC, encoding="utf-8")
    return folder


def test_classic_blog_typed_in_one_run(tmp_path: Path) -> None:
    """One run types the models, keeps the schema, and is a fixed point."""
    if not SCRIPT.exists():
        pytest.fail(f"No console script {SCRIPT}: reinstall the project ('pip install -e .').")
    before, after = _tree(tmp_path / "before"), _tree(tmp_path / "after")
    databases = tmp_path / "databases"
    databases.mkdir()
    created = _run([sys.executable, "-c", CREATE, str(databases)], before)
    assert created.returncode == 0, created.stderr
    migrate = [str(SCRIPT), "migrate", "examples/blog", "--app", "examples.blog.models"]
    done = _run([*migrate, "--write"], after)
    assert done.returncode == 0, done.stderr
    again = _run([*migrate, "--check"], after)
    assert again.returncode == 0 and "0 files to change" in again.stderr, again.stderr
    for name in ("models.py", "app.py"):
        written = (after / "examples" / "blog" / name).read_bytes()
        expected = (TYPED / f"{name}.txt").read_bytes()
        assert written == expected, "".join(
            difflib.unified_diff(
                expected.decode().splitlines(True), written.decode().splitlines(True), name, name
            )
        )
    models = (after / "examples" / "blog" / "models.py").read_text(encoding="utf-8")
    assert "posts: orm.WriteOnlyMapped[Post] = orm.relationship(" in models
    assert "author: orm.Mapped[User] = orm.relationship(" in models
    assert "db.Column" not in models and "backref" not in models
    assert models.count("(Base):") == 3 and "(db.Model)" not in models
    assert "class AuditEntry(AuditBase):" in models and "__bind_key__" not in models
    assert 'db.metadatas["audit"] = AuditBase.metadata' in models
    tests = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/blog"], after
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    schema = [sys.executable, str(STAGES / "schema.py")]
    assert _run(schema, after).stdout == _run(schema, before).stdout != ""
    compared = _run([sys.executable, "-c", COMPARE, str(databases)], after)
    assert compared.stdout.split("\n")[:2] == ["None []", "audit []"], compared
    checked = _run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *MYPY_FILES],
        after,
    )
    assert checked.returncode == 0, checked.stdout
