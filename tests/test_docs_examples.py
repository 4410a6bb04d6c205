"""Every code example of the documentation runs; the convention is in docs/contributing.md.

The pages are the Markdown files the site is built from: ``README.md``,
``migration_guide.md``, ``CHANGES.md`` and ``docs/*.md``. In them:

* a ``python`` block is executed and a ``pycon`` block is run with doctest (``ELLIPSIS``
  on), in page order, in one fresh Python process per page, run from an empty folder, with
  warnings as errors; blocks share one namespace, as a reader typing them would;
* a block in :data:`SETUPS` runs in a namespace of its own instead, built by its setup
  (the guide's and README's snippets each assume their own app), then its check runs;
* a block in :data:`QUOTED` is not run here: its lines must appear in the file named, which
  the test suite runs; a block in :data:`SHOWN` is not run, for the reason given;
* a ``diff`` block quotes one of the patches that ``tests/test_migration_stages.py``
  applies: each of its lines must be a line of that patch.

Blocks are named by (page, heading above them, first line), so edits elsewhere in a page
do not move them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import doctest
import os
import re
import subprocess
import sys
import types
import typing as t
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import g

from fss_compat import legacy

ROOT = Path(__file__).resolve().parent.parent
RUN = frozenset({"python", "pycon"})
#: Pages whose code blocks are not examples to run, and why.
NOT_EXAMPLES = {
    "docs/rules.md": "the catalogue's before/after patterns, rendered from fss_compat/catalogue.py",
}
Namespace = dict[str, t.Any]
Key = tuple[str, str, str]

_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_HEADING = re.compile(r"^#{1,6} (.+?)\s*$")


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    language: str
    heading: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[str]:
    """The pages of the site that are files of the repository, minus NOT_EXAMPLES."""
    found = ["README.md", "migration_guide.md", "CHANGES.md"]
    found += sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md"))
    return [page for page in found if page not in NOT_EXAMPLES]


def blocks(page: str) -> list[Block]:
    """The fenced blocks of ``page``; MyST directives (```` ```{include} ````) are not code."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    heading, index = "", 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            title = _HEADING.match(lines[index])
            heading = title.group(1) if title else heading
            index += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        language = (opening["info"].split() or [""])[0]
        if not language.startswith("{"):
            code = "\n".join(lines[index + 1 : end]) + "\n"
            found.append(Block(page, index + 1, language, heading, code))
        index = end + 1
    return found


# --- Setups: the context the prose gives a block -------------------------------------------


@dataclasses.dataclass(frozen=True)
class Setup:
    """Run a block in a namespace of its own: ``names()``, inside ``app``'s context if asked.

    ``check`` runs afterwards on the namespace; ``warns`` is a warning the block must emit.
    """

    names: t.Callable[[], Namespace]
    check: t.Callable[[Namespace], None] | None = None
    warns: type[Warning] | None = None
    in_context: bool = False


def _app(**config: t.Any) -> Namespace:
    app = Flask("docs_example")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    return {"app": app}


def _extension() -> Namespace:
    import fss_compat

    return {**_app(), "SQLAlchemy": fss_compat.SQLAlchemy, "fss_compat": fss_compat}


def _engine() -> Namespace:
    return {**_app(), "engine": sa.create_engine("sqlite://"), "sessionmaker": orm.sessionmaker}


def _unbound_db() -> Namespace:
    from fss_compat import SQLAlchemy

    return {**_app(), "db": SQLAlchemy()}


def _db(**config: t.Any) -> Namespace:
    from fss_compat import SQLAlchemy

    names = _app(**config)
    db = SQLAlchemy(names["app"])

    class Author(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(50))

    with names["app"].app_context():
        db.create_all()
    return {**names, "db": db, "Author": Author, "User": Author}


def _login() -> Namespace:
    from flask_login import LoginManager  # type: ignore[import-untyped]  # no py.typed

    names = _db()
    return {**names, "login_manager": LoginManager(names["app"])}


def _typed_style() -> Namespace:
    from fss_compat import SQLAlchemy

    class Base(orm.DeclarativeBase):
        pass

    return {"db": SQLAlchemy(), "Base": Base, "sa": sa, "orm": orm}


def _app_models() -> Namespace:
    # The recipe imports the app's sessionmaker from "app.models"; this is that module.
    package, models = types.ModuleType("app"), types.ModuleType("app.models")
    models.Session = orm.sessionmaker()  # type: ignore[attr-defined]
    package.models = models  # type: ignore[attr-defined]
    sys.modules.update({"app": package, "app.models": models})
    return {}


def _check_modes(names: Namespace) -> None:
    db = names["db"]
    assert legacy.mode_for("FSC201", "app.views", db=db) is legacy.Mode.ERROR
    assert legacy.mode_for("FSC101", "app.billing.views", db=db) is legacy.Mode.ERROR
    assert legacy.mode_for("FSC101", "app.views", db=db) is legacy.Mode.ALLOW


def _check_current_session(names: Namespace) -> None:
    from fss_compat import current_session

    with names["app"].app_context():
        assert t.cast(t.Any, current_session)._get_current_object() is names["session"]
        assert names["session"]().get_bind() is names["engine"]


def _check_table(names: Namespace) -> None:
    table = names["post_tags"]
    assert table.metadata is names["db"].metadata
    assert [column.name for column in table.primary_key] == ["post_id", "tag_id"]


def _check_recorded(names: Namespace) -> None:
    from fss_compat.shims.record_queries import get_recorded_queries

    names["db"].session.execute(sa.text("SELECT 1"))
    assert [query.statement for query in get_recorded_queries()] == ["SELECT 1"]


def _check_recorder(names: Namespace) -> None:
    names["record_queries"](names["engine"])
    with names["engine"].connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert [statement for statement, _, _ in g.queries] == ["SELECT 1"]


def _check_events(names: Namespace) -> None:
    class Base(orm.DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)

    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with names["Session"](bind=engine) as session:
        session.add(Item())
        session.flush()
        assert [operation for _, operation in session.info["changes"].values()] == ["insert"]
        session.commit()
        assert "changes" not in session.info


def _check_same_ddl(names: Namespace) -> None:
    from sqlalchemy.schema import CreateTable

    def ddl(metadata: sa.MetaData) -> str:
        return str(
            CreateTable(metadata.tables["tag"]).compile(
                dialect=sa.create_engine("sqlite://").dialect
            )
        )

    assert ddl(names["db"].metadata) == ddl(names["Base"].metadata)


def _check_sqlite_savepoints(names: Namespace) -> None:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.commit()
        transaction = connection.begin()
        savepoint = connection.begin_nested()
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        savepoint.commit()
        transaction.rollback()
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


def _check_user_loader(names: Namespace) -> None:
    with names["app"].app_context():
        names["db"].session.add(names["User"](name="ann"))
        names["db"].session.commit()
        assert names["load_user"]("1").name == "ann"


def _check_marshmallow(names: Namespace) -> None:
    assert hasattr(names["ma"], "SQLAlchemyAutoSchema")


README, GUIDE, EXTENSIONS = "README.md", "migration_guide.md", "docs/extensions.md"
OPERATIONS = "docs/operations.md"


def _binds_app() -> Namespace:
    return {**_app(), "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}


def _check_bind_options(namespace: Namespace) -> None:
    audit = namespace["app"].config["SQLALCHEMY_BINDS"]["audit"]
    assert audit["pool_pre_ping"] is True and audit["url"].startswith("postgresql")


def _check_503(namespace: Namespace) -> None:
    import sqlalchemy as sa

    app: Flask = namespace["app"]

    @app.get("/down")
    def down() -> str:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    response = app.test_client().get("/down")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")


# Keys: (page, heading above the block, start of the block's first line).
SETUPS: dict[Key, Setup] = {
    (OPERATIONS, "The engine options", "app.config"): Setup(_binds_app, _check_bind_options),
    (OPERATIONS, "Answer 503 while the database is away", "import sqlalchemy"): Setup(
        _app, _check_503
    ),
    (README, "Step 1: swap the import, change nothing else", "from flask_sqlalchemy"): Setup(_app),
    (README, "Step 1: swap the import, change nothing else", "from fss_compat"): Setup(_app),
    (README, "Then switch legacy features off, one by one", "db = "): Setup(
        _extension, _check_modes
    ),
    (README, "The core: an app-context session, without the facade", "from fss_compat"): Setup(
        _engine, _check_current_session
    ),
    (GUIDE, "The switches", "fss_compat.legacy.configure("): Setup(_extension),
    (GUIDE, "FSC101 db-names", "class Tag(db.Model):"): Setup(_unbound_db),
    (GUIDE, "FSC101 db-names", "import sqlalchemy as sa"): Setup(_unbound_db),
    (GUIDE, "FSC102 db-table", "post_tags = db.Table("): Setup(_unbound_db, _check_table),
    (GUIDE, "FSC102 db-table", "import sqlalchemy as sa"): Setup(_unbound_db, _check_table),
    (GUIDE, "FSC602 recorded-queries", "app.config["): Setup(
        _unbound_db, _check_recorded, in_context=True
    ),
    (GUIDE, "FSC602 recorded-queries", "import time"): Setup(
        _engine, _check_recorder, in_context=True
    ),
    (GUIDE, "FSC603 track-modifications", "from fss_compat"): Setup(_app),
    (GUIDE, "FSC603 track-modifications", "import typing"): Setup(_app_models, _check_events),
    (GUIDE, "FSC002 get-engine", "engine = db.get_engine()"): Setup(
        lambda: _db(SQLALCHEMY_BINDS={"audit": "sqlite://"}),
        warns=DeprecationWarning,
        in_context=True,
    ),
    (GUIDE, "Models in SQLAlchemy 2.x typed style", "class Tag"): Setup(
        _typed_style, _check_same_ddl
    ),
    (GUIDE, "Testing recipes", "import sqlalchemy"): Setup(dict, _check_sqlite_savepoints),
    (EXTENSIONS, "Flask-Migrate", "from flask_migrate"): Setup(_app),
    (EXTENSIONS, "Flask-Login", "@login_manager"): Setup(_login, _check_user_loader),
    (EXTENSIONS, "flask-marshmallow and marshmallow-sqlalchemy", "from fss_compat"): Setup(
        _app, _check_marshmallow
    ),
    (EXTENSIONS, "flask-marshmallow and marshmallow-sqlalchemy", "from marshmallow"): Setup(_db),
    (EXTENSIONS, "Flask-Admin", "from fss_compat import alias"): Setup(_db),
}
QUOTED: dict[Key, str] = {
    (GUIDE, "Stage 10 (optional): what is left, in plain code", "_T = "): (
        "examples/stages/10-plain-core.patch"
    ),
}
SHOWN: dict[Key, str] = {
    (README, "Typing", "from fss_compat.shims.model import Model as ModelMixin"): (
        "a pattern with the model bodies left out; tests/typing/typed_app.py is the whole app,"
        " run by tests/typing and checked by mypy --strict"
    ),
}

_V = t.TypeVar("_V")


def matches(key: Key, block: Block) -> bool:
    """Whether ``key`` names ``block``."""
    page, heading, start = key
    return (page, heading) == (block.page, block.heading) and block.code.startswith(start)


def entry(table: dict[Key, _V], block: Block) -> _V | None:
    """The value ``table`` gives ``block``, if any."""
    return next((value for key, value in table.items() if matches(key, block)), None)


# --- Running a page (in a child process) ------------------------------------------------------


def _run(block: Block, namespace: Namespace) -> None:
    filename = str(ROOT / block.page)
    if block.language == "python":
        # Padded so that tracebacks show the page's own line numbers and lines.
        # dont_inherit: this module's "from __future__ import annotations" is not the page's.
        code = compile("\n" * block.line + block.code, filename, "exec", dont_inherit=True)
        exec(code, namespace)
        return
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    test = parser.get_doctest(block.code, namespace, block.where, filename, block.line)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest runs on a copy of the namespace
    if runner.failures:
        raise AssertionError("".join(report))


def _run_alone(block: Block, setup: Setup) -> None:
    namespace = {"__name__": "__main__", **setup.names()}
    with namespace["app"].app_context() if setup.in_context else contextlib.nullcontext():
        if setup.warns is None:
            _run(block, namespace)
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                _run(block, namespace)
            assert any(issubclass(w.category, setup.warns) for w in caught), block.where
        if setup.check is not None:
            setup.check(namespace)
    legacy.reset()  # the process default layer; the next block starts from the defaults


def run_page(page: str) -> None:
    """Run every runnable block of ``page``; the test runs this in a fresh process."""
    warnings.simplefilter("error")
    shared: Namespace = {"__name__": "__main__"}
    for block in blocks(page):
        if block.language not in RUN or any(matches(key, block) for key in [*QUOTED, *SHOWN]):
            continue
        setup = entry(SETUPS, block)
        try:
            if setup is None:
                _run(block, shared)
            else:
                _run_alone(block, setup)
        except BaseException:
            print(f"FAILED: the example at {block.where}", file=sys.stderr)
            raise
        print(f"ran {block.where}")


# --- Tests ----------------------------------------------------------------------------------


def _runnable(page: str) -> bool:
    return any(block.language in RUN for block in blocks(page))


@pytest.mark.parametrize("page", [page for page in pages() if _runnable(page)])
def test_examples_run(page: str, tmp_path: Path) -> None:
    """Every python and pycon block of the page runs, in a fresh process."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("FSS_LEGACY", None)
    command = f"from tests.test_docs_examples import run_page; run_page({page!r})"
    result = subprocess.run(
        [sys.executable, "-c", command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_listed_block_exists() -> None:
    """Each entry of SETUPS, QUOTED and SHOWN names exactly one runnable block."""
    runnable = [block for page in pages() for block in blocks(page) if block.language in RUN]
    for key in [*SETUPS, *QUOTED, *SHOWN]:
        found = [block.where for block in runnable if matches(key, block)]
        assert len(found) == 1, f"{key} names {found or 'no block'}: name exactly one"


def test_quoted_blocks_match_their_files() -> None:
    """A quoted block's lines appear, one after the other, in the file it is taken from."""
    for block in [block for page in pages() for block in blocks(page)]:
        quoted = entry(QUOTED, block)
        if quoted is None:
            continue
        path = ROOT / quoted
        lines = path.read_text(encoding="utf-8").splitlines()
        if path.suffix == ".patch":  # the file after the patch: context and added lines
            lines = [line[1:] for line in lines if line[:1] in " +" and not line.startswith("+++")]
        wanted = [line.rstrip() for line in block.code.splitlines()]
        text = "\n".join(line.rstrip() for line in lines)
        assert "\n".join(wanted) in text, f"{block.where} is not in {path.name}"


def test_diff_blocks_quote_the_stage_patches() -> None:
    """Every line of a diff block is a line of one patch in examples/stages."""
    patches = {
        path.name: set(path.read_text(encoding="utf-8").splitlines())
        for path in sorted((ROOT / "examples" / "stages").glob("*.patch"))
    }
    for page in pages():
        for block in blocks(page):
            if block.language == "diff":
                lines = set(block.code.splitlines()) - {""}
                assert any(lines <= patch for patch in patches.values()), (
                    f"the diff at {block.where} is not taken from a patch in examples/stages"
                )


def test_configuration_page_lists_every_key() -> None:
    """docs/configuration.md lists the keys init_app sets, on both sides, and fss_compat's own."""
    import flask_sqlalchemy

    import fss_compat

    def keys(extension: type[t.Any]) -> set[str]:
        app = Flask("docs_example")
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        before = set(app.config)
        extension(app)
        return set(app.config) - before | {"SQLALCHEMY_DATABASE_URI"}

    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", page, re.MULTILINE))
    assert keys(flask_sqlalchemy.SQLAlchemy) == keys(fss_compat.SQLAlchemy)
    ours = {"FSS_LEGACY", "FSS_MAX_PER_PAGE", "FSS_DISPOSE_AT_FORK", "FSS_PGBOUNCER"}
    assert listed == keys(fss_compat.SQLAlchemy) | ours | {"FSS_REPLICAS", "FSS_REPLICA_OPTIONS"}
