"""Every stage of ``migration_guide.md``, proven on the example app.

Each stage is a folder of plain files (``examples/stages``, see its README; stage 1 is
``examples/blog``), copied to a temporary folder as ``examples/blog``. The example's own
tests then run in a subprocess with ``FSS_LEGACY`` set so that every legacy feature
migrated by that stage is an error, and the schema the app creates is compared with stage
0's. The folder of every stage the migrate command makes must be its output, byte for
byte, made from the folder of the stage before.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from examples import stages
from fss_compat import catalogue

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog"
STAGES = ROOT / "examples" / "stages"
GUIDE = ROOT / "migration_guide.md"

#: Filters of the subprocess run: the project's own ``filterwarnings = error``.
PYTEST_INI = "[pytest]\nfilterwarnings =\n    error\n"
#: The names a decoupled app may still import from fss_compat (its core).
CORE = frozenset(
    {
        "Pagination",
        "current_session",
        "first_or_404",
        "flask_scoped_session",
        "get_or_404",
        "keyset_paginate",
        "one_or_404",
        "page_from_request",
        "paginate",
        "per_page_from_request",
    }
)
#: What is left after the optional stage 11 replaces the rest with plain code.
PAGINATION = frozenset({"Pagination", "keyset_paginate", "paginate"})

# Feature ids each stage migrates (the catalogue's stage of each runtime feature); from that
# stage on they run in 'error' mode.
MIGRATES: dict[int, tuple[str, ...]] = {
    stage: tuple(f.id for f in catalogue.FEATURES if f.stage == stage)
    for stage in sorted({f.stage for f in catalogue.FEATURES})
}

# What the '--fss-compat' report lists before any migration: feature id -> call sites;
# then after each stage from 3 to 7 (none from 8 on).
STAGE_1_USES = {
    "FSC101": 15,
    "FSC104": 2,
    "FSC201": 1,
    "FSC301": 4,
    "FSC304": 1,
    "FSC402": 2,
    "FSC403": 1,
    "FSC601": 4,
    "FSC605": 2,
}
_LATER = {"FSC304": 1, "FSC601": 4, "FSC605": 2}
STAGE_3_USES = {**_LATER, "FSC104": 1, "FSC201": 1, "FSC301": 4, "FSC402": 1, "FSC403": 1}
STAGE_4_USES = {**_LATER, "FSC104": 1, "FSC201": 1, "FSC402": 1, "FSC403": 1}
# FSC201 turned 'User.query...first_or_404()' into 'db.first_or_404(...)': one more FSC601.
STAGE_5_USES = {**_LATER, "FSC104": 1, "FSC402": 1, "FSC403": 1, "FSC601": 5}
# FSC403 turned '.posts....paginate()' into 'db.paginate(...)': one more FSC601.
STAGE_6_USES = {**_LATER, "FSC601": 6}
STAGE_7_USES = {"FSC601": 6, "FSC605": 2}

_REPORT_TITLE = "fss_compat legacy feature report"
_REPORT_LINE = re.compile(r"^\s+(FSC\d{3}) [a-z0-9-]+: \d+ uses? at (\d+) sites?$", re.MULTILINE)
_WARNED = re.compile(r"LegacyFeatureWarning: (FSC\d{3}) ")
_FSS_IMPORT = re.compile(r"^from (fss_compat\S*) import (.+)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of the guide: how to build it and what its test run must show.

    :param id: the test id, ``"<number>-<name>"``.
    :param files: the stage number whose folder (``examples.stages``) the run copies.
    :param legacy_modes: the ``FSS_LEGACY`` value; ``None`` leaves it unset.
    :param args: extra pytest arguments.
    :param uses: with ``--fss-compat``: the report, as feature id -> call sites.
    :param warned: the feature ids whose warnings the run must show.
    :param kept: when set, the app is off the facade: no ``SQLAlchemy(``, no
        ``flask_sqlalchemy``, and only these names imported from ``fss_compat``.
    :param on_flask_sqlalchemy: the run imports the real Flask-SQLAlchemy.
    :param level: ``FSS_COMPAT_LEVEL`` for the run (and ``schema.py``); ``None`` leaves it
        unset.
    """

    id: str
    files: int = 1
    legacy_modes: str | None = None
    args: tuple[str, ...] = ()
    uses: t.Mapping[str, int] | None = None
    warned: frozenset[str] = frozenset()
    kept: frozenset[str] | None = None
    on_flask_sqlalchemy: bool = False
    level: str | None = None


def _migrated(number: int) -> list[str]:
    return [id for n, ids in MIGRATES.items() if n <= number for id in ids]


def _migration_stage(number: int, uses: t.Mapping[str, int]) -> Stage:
    """Stage ``number``: its files, every feature migrated so far as an error, a report."""
    return Stage(
        id=f"{number}-{stages.stage(number).name}",
        files=number,
        legacy_modes=",".join(f"{id}=error" for id in _migrated(number)),
        args=("--fss-compat",),
        uses=uses,
    )


# What the report lists for the blog written for Flask-SQLAlchemy 2.x, at the 2.5 level.
STAGE_M1_USES = {
    "FSC002": 1,
    "FSC101": 15,
    "FSC104": 4,
    "FSC201": 7,
    "FSC301": 4,
    "FSC304": 1,
    "FSC403": 1,
    "FSC605": 2,
    "FSC701": 2,
    "FSC706": 1,
    "FSC713": 1,
    "FSC714": 1,
}

STAGE_LIST = [
    # Stage -1: the blog written for Flask-SQLAlchemy 2.x, served at the 2.5 level (the
    # bare flag reads the level from FSS_COMPAT_LEVEL). Query.get is legacy in SQLAlchemy 2.
    Stage(
        "-1-flask-sqlalchemy-2x",
        files=-1,
        args=("--fss-compat", "-W", "default::sqlalchemy.exc.LegacyAPIWarning"),
        uses=STAGE_M1_USES,
        level="2.5",
    ),
    # The plugin stays loaded (without --fss-compat it serves nothing): the blog's tests
    # use its per-test isolation fixture, which works on Flask-SQLAlchemy too.
    Stage("0-flask-sqlalchemy", files=0, on_flask_sqlalchemy=True),
    # Stage 1's proof, step one: the unchanged Flask-SQLAlchemy app, served by fss_compat.
    Stage("1-alias", files=0, args=("--fss-compat",), uses=STAGE_1_USES),
    Stage("1-import-swap"),
    Stage(
        "2-observe",
        legacy_modes="*=warn",
        args=("-W", "default::fss_compat.legacy.LegacyFeatureWarning"),
        warned=frozenset(STAGE_1_USES),
    ),
    _migration_stage(3, STAGE_3_USES),
    _migration_stage(4, STAGE_4_USES),
    _migration_stage(5, STAGE_5_USES),
    _migration_stage(6, STAGE_6_USES),
    _migration_stage(7, STAGE_7_USES),
    _migration_stage(8, {}),
    _migration_stage(9, {}),
    Stage("10-own-the-session", files=10, legacy_modes="*=error", kept=CORE),
    Stage("11-plain-core", files=11, legacy_modes="*=error", kept=PAGINATION),
]


def build(stage: Stage, tree: Path) -> Path:
    """Lay out ``<tree>/examples/blog`` at ``stage`` and return ``tree``."""
    stages.lay_out(stage.files, tree)
    (tree / "pytest.ini").write_text(PYTEST_INI)
    return tree


def _env(stage: Stage, tree: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FSS_LEGACY", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH"}
    }
    # The tree's 'examples' package must win over the checkout's (an editable install
    # puts the project root on sys.path).
    env["PYTHONPATH"] = str(tree)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if stage.legacy_modes is not None:
        env["FSS_LEGACY"] = stage.legacy_modes
    env.pop("FSS_COMPAT_LEVEL", None)
    if stage.level is not None:
        env["FSS_COMPAT_LEVEL"] = stage.level
    return env


def _start(args: list[str], stage: Stage, tree: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=tree,
        env=_env(stage, tree),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _output(process: subprocess.Popen[str], what: str) -> str:
    """Wait for ``process``; its output, or a failure naming ``what`` failed."""
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"{what} took more than 120 s:\n{output}", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"{what} failed (exit code {process.returncode}):\n{output}", pytrace=False)
    return output


def start_schema(stage: Stage, tree: Path) -> subprocess.Popen[str]:
    """Start ``examples/stages/schema.py``: it prints the DDL the app factory creates."""
    return _start([str(STAGES / "schema.py")], stage, tree)


def report(output: str) -> dict[str, int]:
    """The ``--fss-compat`` usage report in ``output``, as feature id -> call sites."""
    assert _REPORT_TITLE in output, f"No '{_REPORT_TITLE}' in the output:\n{output}"
    return {id: int(sites) for id, sites in _REPORT_LINE.findall(output)}


@pytest.fixture(scope="module")
def baseline_schema(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The schema of stage 0, the app on Flask-SQLAlchemy."""
    stage = STAGE_LIST[0]
    tree = build(stage, tmp_path_factory.mktemp("baseline"))
    return _output(start_schema(stage, tree), "schema.py at stage 0")


@pytest.mark.parametrize("stage", STAGE_LIST, ids=[stage.id for stage in STAGE_LIST])
def test_stage(stage: Stage, tmp_path: Path, baseline_schema: str) -> None:
    """The example's own tests pass at this stage, with its migrated features as errors."""
    if stage.on_flask_sqlalchemy and importlib.util.find_spec("flask_sqlalchemy") is None:
        pytest.fail("Stage 0 runs on Flask-SQLAlchemy 3.1.1: install the 'test' extra.")
    tree = build(stage, tmp_path)
    schema = start_schema(stage, tree)
    # The example does not use Hypothesis, and its plugin slows every start-up.
    options = ["-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *stage.args]
    tests = _start(["-m", "pytest", *options, "examples/blog"], stage, tree)
    output = _output(
        tests,
        f"The example's tests at stage {stage.id} (FSS_LEGACY={stage.legacy_modes!r})",
    )
    assert " skipped" not in output, output
    if stage.uses is not None:
        assert report(output) == stage.uses, output
    assert set(_WARNED.findall(output)) == stage.warned, output
    if stage.kept is not None:
        for path in sorted((tree / "examples" / "blog").glob("*.py")):
            source = path.read_text(encoding="utf-8")
            assert "SQLAlchemy(" not in source, path.name
            assert "flask_sqlalchemy" not in source, path.name
            for module, names in _FSS_IMPORT.findall(source):
                if path.name.startswith("test_") and module == "fss_compat.testing":
                    continue  # the tests' per-test isolation: a test dependency, not the app's
                assert module == "fss_compat", f"{path.name} imports {names!r} from {module}"
                for name in names.split(","):
                    assert name.strip() in stage.kept, (
                        f"{path.name} still imports {name.strip()!r} from fss_compat"
                    )
    assert _output(schema, f"schema.py at stage {stage.id}") == baseline_schema


def test_stages_cover_every_feature_and_folder() -> None:
    """Stage 8 has every catalogued feature in error mode; every stage folder is run."""
    assert set(_migrated(8)) == {feature.id for feature in catalogue.FEATURES}
    assert {stage.files for stage in STAGE_LIST} == {found.number for found in stages.STAGES}
    folders = {path for path in STAGES.iterdir() if path.is_dir() and path.name[0] != "_"}
    assert folders == {found.folder for found in stages.STAGES} - {BLOG}


def test_guide_has_a_section_per_feature() -> None:
    """Every legacy feature has a guide section titled '<id> <name>', as its warnings say."""
    titles = set(re.findall(r"^#{1,6} (.+?)\s*$", GUIDE.read_text(encoding="utf-8"), re.MULTILINE))
    missing = [feature.guide for feature in catalogue.CATALOGUE if feature.guide not in titles]
    assert not missing, f"migration_guide.md has no section titled {missing}"


def test_guide_names_every_stage_folder() -> None:
    """The guide links each stage's folder, so readers find the full files."""
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [
        found.folder.relative_to(ROOT).as_posix()
        for found in stages.STAGES
        if f"({found.folder.relative_to(ROOT).as_posix()}" not in guide
    ]
    assert not missing, f"migration_guide.md does not link {missing}"


GENERATED = [found for found in stages.STAGES if found.runs]


@pytest.mark.parametrize("made", GENERATED, ids=[f"{s.number}-{s.name}" for s in GENERATED])
def test_generated_stage_is_the_tool_output(made: stages.Stage, tmp_path: Path) -> None:
    """A generated stage's folder is what ``migrate --stage N`` writes, and a fixed point."""
    written = stages.generate(made.number, tmp_path)
    committed = stages.files(made.number)
    runs = " then ".join(f"--stage {run}" for run in made.runs)
    assert written == committed, (
        f"{made.folder.relative_to(ROOT)} is not what `fss-compat migrate {runs}` makes of"
        f" stage {stages.previous(made.number).number}. If the tool changed on purpose, run"
        " `python -m examples.stages regenerate` and review its diff. The tool's output"
        f" against the folder:\n{stages.unified(committed, written)}"
    )
    for run in made.runs:
        again = stages.migrate(tmp_path, run, "--check")
        assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr
