"""The ``fss-compat`` command line: scan, baseline ratchet, migrate modes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fss_compat.codemod import cli
from tests._support.codemod import MODELS
from tests._support.codemod import Project

VIEWS = "from .models import User, db\n\nu = User.query.get(1)\ne = db.get_engine()\n"


@pytest.fixture
def folder(project: Project) -> str:
    """A project with two legacy sites in ``views.py``."""
    project.write({"models.py": MODELS, "views.py": VIEWS})
    return str(project.root / project.package)


def test_scan_text_and_exit_code(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Without a baseline, scan lists sites per rule with file:line and exits 1 when any exist."""
    assert cli.main(["scan", folder, "--jobs", "1"]) == cli.EXIT_WORSE
    out = capsys.readouterr().out
    assert "FSC201 model-query (query API): 1 site\n" in out
    assert "views.py:3: fix FSC201.get" in out and "per module:" in out


def test_scan_clean_exits_0(project: Project) -> None:
    """A project without legacy sites is clean."""
    project.write({"views.py": "x = 1\n"})
    assert cli.main(["scan", str(project.root / project.package)]) == cli.EXIT_OK


def test_scan_json(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` gives counts per rule and module, and every finding."""
    cli.main(["scan", folder, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["FSC201"] == 1 and data["counts"]["FSC002"] == 1
    assert {f["rule"] for f in data["findings"]} >= {"FSC201", "FSC002"}
    assert data["errors"] == []


def test_baseline_ratchet(folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first run writes the baseline; fewer sites pass with progress; more sites fail."""
    baseline = str(tmp_path / "baseline.json")
    assert cli.main(["scan", folder, "--baseline", baseline]) == cli.EXIT_OK
    views = Path(folder) / "views.py"
    views.write_text(VIEWS.replace("u = User.query.get(1)\n", ""))
    capsys.readouterr()
    assert cli.main(["scan", folder, "--baseline", baseline]) == cli.EXIT_OK
    assert "FSC201 model-query: 1/1 (100%)" in capsys.readouterr().out
    views.write_text(VIEWS + "w = User.query.get(2)\nv = User.query.get(3)\n")
    assert cli.main(["scan", folder, "--baseline", baseline]) == cli.EXIT_WORSE
    assert "WORSE: FSC201 model-query: 1 -> 3 sites" in capsys.readouterr().out


def test_parse_errors_are_reported(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that does not parse is named on stderr and the exit code is 2."""
    (Path(folder) / "broken.py").write_text("def (:\n")
    assert cli.main(["scan", folder]) == cli.EXIT_ERROR
    assert (
        "broken.py: error: cannot parse line 1, column 5: expected NAME\n"
        in capsys.readouterr().err
    )
    assert cli.main(["migrate", folder, "--diff"]) == cli.EXIT_ERROR


def test_migrate_modes(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--diff prints and writes nothing; --check exits 1; --write rewrites; then --check is 0."""
    views = Path(folder) / "views.py"
    assert cli.main(["migrate", folder, "--select", "FSC201.get", "--diff"]) == cli.EXIT_OK
    assert "+u = db.session.get(User, 1)" in capsys.readouterr().out
    assert views.read_text() == VIEWS
    assert cli.main(["migrate", folder, "--stage", "5", "--check"]) == cli.EXIT_WORSE
    assert cli.main(["migrate", folder, "--stage", "5", "--write"]) == cli.EXIT_OK
    assert "db.session.get(User, 1)" in views.read_text()
    assert cli.main(["migrate", folder, "--stage", "5", "--check"]) == cli.EXIT_OK
    assert "db.get_engine()" in views.read_text()


def test_bad_arguments(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown rule or a missing path is a tool error (2)."""
    assert cli.main(["migrate", folder, "--select", "FSC999", "--diff"]) == cli.EXIT_ERROR
    assert "Unknown catalogue entry 'FSC999'" in capsys.readouterr().err
    assert cli.main(["scan", folder + "/missing"]) == cli.EXIT_ERROR


def test_progress_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The progress bar draws on a terminal, and stays quiet in CI or a pipe."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    bar = cli._progress("scanning")
    bar(40, 40)
    bar.close()
    assert "scanning [" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    quiet = cli._progress("scanning")
    quiet(40, 40)
    assert capsys.readouterr().err == ""


def test_single_broken_file_is_named_in_the_summary(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run whose only file does not parse says so, instead of 'nothing selected to do'."""
    project.write({"views.py": "x = (\n"})
    assert cli.main(["migrate", str(project.root / project.package), "--check"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "nothing done: 1 file could not be read or parsed" in err
    assert "nothing selected to do" not in err


def test_diff_on_stdout_notes_on_stderr(folder: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every stdout line of --diff belongs to the diff; notes and the summary are on stderr."""
    Path(folder, "views.py").write_text(VIEWS + "q = User.query\n")
    assert cli.main(["migrate", folder, "--diff", "--jobs", "1"]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert all(line[:1] in {"-", "+", "@", " "} for line in out.splitlines()), out
    assert "+u = db.session.get(User, 1)" in out
    assert "FSC201.builder: TODO comment added" in err
    # The models' seven columns and relationships are typed too (FSC305, FSC401).
    summary = "fss-compat migrate: 9 to rewrite, 1 manual (TODO comments), 2 blocked; 2 files"
    assert f"{summary} to change" in err


def test_plurals(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """One site is '1 site', one file '1 file'."""
    project.write({"views.py": "import flask_sqlalchemy\n"})
    cli.main(["scan", str(project.root / project.package)])
    out = capsys.readouterr().out
    assert "FSC001 import-swap (setup): 1 site\n" in out
    assert "1 legacy site in 1 module (2 files)" in out


def test_help_documents_exit_codes_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """Both commands list their exit codes; migrate says it runs every stage by default."""
    for command in ("scan", "migrate"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = capsys.readouterr().out
        assert "exit codes:" in out and "3  an internal error" in out
    with pytest.raises(SystemExit):
        cli.main(["migrate", "--help"])
    assert "every rule of every stage" in capsys.readouterr().out


def test_internal_errors_are_reported_as_such(
    folder: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug of the tool (here a KeyError) is an internal error with exit code 3, not a usage
    error; a bad --select is a usage error naming the option.
    """

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr("fss_compat.codemod.runner.scan", broken)
    assert cli.main(["scan", folder]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error (a bug in fss-compat" in err and "KeyError: 'oops'" in err
    assert cli.main(["migrate", folder, "--select", "FSC201.nope", "--diff"]) == cli.EXIT_ERROR
    assert "--select: FSC201 has no rewrite 'nope'" in capsys.readouterr().err
