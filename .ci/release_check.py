"""Release check, run by ``.ci/run``: can this tree be released as it is?

1. ``CHANGES.md`` opens with the section of the version in ``pyproject.toml`` and
   ``fss_compat.__version__``, marked ``Unreleased`` or ``Released YYYY-MM-DD``.
2. ``python -m build`` (flit_core) makes the sdist, then the wheel from the sdist, from a
   copy of the repository's files minus what git ignores: what a clean clone has.
3. The wheel carries the license, ``py.typed``, the entry points and complete metadata.
4. In a fresh virtualenv the wheel brings Flask and SQLAlchemy and nothing else, and
   ``import fss_compat`` and a small app work there; with pytest added, ``pytest
   --fss-compat`` loads the plugin and serves ``import flask_sqlalchemy``.
5. Each optional extra, in a fresh virtualenv of its own, installs what it names.

Needs ``build`` and ``packaging`` in the interpreter that runs it, and PyPI.
"""

from __future__ import annotations

import configparser
import email.message
import email.parser
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
#: Build output that must never reach the sdist, even before .gitignore names it.
NOT_SOURCE = ("docs/_build/", "docs/rules/")
#: Extras for this project's own development; CI installs them with ".[dev]" already.
DEVELOPMENT_EXTRAS = {"dev", "test"}
#: Only these may come with the wheel: its own requirements and theirs.
RUNTIME = {"flask", "sqlalchemy"}

SMOKE = """\
import importlib.metadata
import importlib.util
import pathlib
import subprocess
import sys

import sqlalchemy as sa
from flask import Flask

import fss_compat
import fss_compat.alias
import fss_compat.differences
import fss_compat.legacy
from fss_compat.shims import (
    cli, extension, model, pagination, query, record_queries, session, table,
    track_modifications,
)

package = pathlib.Path(fss_compat.__file__).parent
assert package.is_relative_to(sys.prefix), f"imported from {package}, not the virtualenv"
assert (package / "py.typed").is_file(), "py.typed is missing"
assert importlib.util.find_spec("flask_sqlalchemy") is None, "Flask-SQLAlchemy came along"
assert fss_compat.__version__ == importlib.metadata.version("fss-compat")

points = importlib.metadata.entry_points()
assert points.select(group="console_scripts", name="fss-compat")[0].value == (
    "fss_compat.codemod:main"
)
assert points.select(group="pytest11", name="fss_compat")[0].value == "fss_compat.pytest_plugin"

# Without the 'migrate' extra the command says which extra to install (no traceback).
script = pathlib.Path(sys.executable).parent / "fss-compat"
result = subprocess.run([str(script), "scan", "."], capture_output=True, text=True)
assert result.returncode == 2 and "fss-compat[migrate]" in result.stderr, result

app = Flask("smoke")
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
db = fss_compat.SQLAlchemy(app)


class User(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)


with app.app_context():
    db.create_all()
    db.session.add(User())
    db.session.commit()
    assert db.get_or_404(User, 1).id == 1
    assert fss_compat.paginate(db.session, sa.select(User), page=1, per_page=5).total == 1
print("fss_compat", fss_compat.__version__, "works from", package)
"""

PLUGIN_TEST = """\
import flask_sqlalchemy

import fss_compat


def test_served():
    assert flask_sqlalchemy.SQLAlchemy is fss_compat.SQLAlchemy
"""


def step(title: str) -> None:
    print(f"--- release: {title}", flush=True)


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run ``command``; its output, or SystemExit with that output when it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(
            f"release check: {' '.join(map(str, command))} exited {result.returncode}\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"release check: {message}")


def versions() -> str:
    """The version, after checking that its three homes and CHANGES.md agree."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = str(declared["project"]["version"])
    init = (ROOT / "fss_compat" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', init, re.MULTILINE)
    check(found is not None and found[1] == version, "fss_compat.__version__ != pyproject's")
    changes = (ROOT / "CHANGES.md").read_text(encoding="utf-8")
    top = re.match(r"## Version (\S+)\n\n(Unreleased|Released \d{4}-\d{2}-\d{2})\n", changes)
    check(
        top is not None and top[1] == version,
        f"CHANGES.md must open with '## Version {version}' then 'Unreleased' or"
        " 'Released YYYY-MM-DD'",
    )
    print(f"version {version}: {top[2] if top else ''}")
    return version


def clean_copy(destination: Path) -> None:
    """Copy the tracked and untracked-but-not-ignored files: a clean clone's content."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if name.startswith(NOT_SOURCE) or not source.is_file():
            continue  # build output, or a tracked file deleted in the work tree
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination / name)


def metadata(wheel: zipfile.ZipFile, version: str) -> email.message.Message:
    name = f"fss_compat-{version}.dist-info/METADATA"
    return email.parser.Parser().parsestr(wheel.read(name).decode())


def check_artifacts(dist: Path, version: str) -> tuple[Path, email.message.Message]:
    sdists, wheels = list(dist.glob("*.tar.gz")), list(dist.glob("*.whl"))
    check(len(sdists) == 1 and len(wheels) == 1, f"expected one sdist and one wheel: {dist}")
    with tarfile.open(sdists[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ("pyproject.toml", "LICENSE", "README.md", "CHANGES.md", "migration_guide.md",
                   "fss_compat/py.typed", "docs/conf.py", "tests/conftest.py",
                   "examples/blog/app.py"):  # fmt: skip
        check(needed in names, f"the sdist lacks {needed}")
    for name in names:
        check(not name.startswith(NOT_SOURCE), f"the sdist has build output: {name}")
        check("__pycache__" not in name, f"the sdist has {name}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        info = f"fss_compat-{version}.dist-info"
        for needed in (
            "fss_compat/py.typed",
            f"{info}/licenses/LICENSE",
            f"{info}/entry_points.txt",
        ):
            check(needed in names, f"the wheel lacks {needed}")
        points = configparser.ConfigParser(delimiters=("=",))
        points.optionxform = str  # type: ignore[assignment,method-assign]  # names keep case
        points.read_string(wheel.read(f"{info}/entry_points.txt").decode())
        scripts, plugins = dict(points["console_scripts"]), dict(points["pytest11"])
        check(scripts == {"fss-compat": "fss_compat.codemod:main"}, f"scripts: {scripts}")
        check(plugins == {"fss_compat": "fss_compat.pytest_plugin"}, f"pytest11: {plugins}")
        meta = metadata(wheel, version)
    check(meta["Version"] == version, f"the wheel's version is {meta['Version']}")
    check(meta["License-Expression"] == "MIT", "no License-Expression: MIT")
    check(meta["Requires-Python"] == ">=3.10", "Requires-Python is not >=3.10")
    check("Typing :: Typed" in meta.get_all("Classifier", []), "no 'Typing :: Typed'")
    urls = meta.get_all("Project-URL", [])
    check(any(url.startswith("Source, ") for url in urls), f"no Source project URL: {urls}")
    check(bool(meta.get_payload()), "no long description")
    print(f"built {sdists[0].name} and {wheels[0].name}")
    return wheels[0], meta


def requirements(meta: email.message.Message, extra: str | None) -> list[Requirement]:
    """The wheel's requirements for ``extra`` (None: the unconditional ones)."""
    found = []
    for line in meta.get_all("Requires-Dist", []):
        requirement = Requirement(line)
        marker = requirement.marker
        if extra is None and marker is None:
            found.append(requirement)
        elif extra is not None and marker is not None and marker.evaluate({"extra": extra}):
            if not marker.evaluate({"extra": ""}):
                found.append(requirement)
    return found


class Venv:
    """A fresh virtualenv without pip; this interpreter's pip installs into it."""

    def __init__(self, path: Path) -> None:
        run(sys.executable, "-m", "venv", "--without-pip", path)
        self.path = path
        self.python = path / "bin" / "python"

    def install(self, *requirements: str | Path) -> None:
        run(sys.executable, "-m", "pip", "--python", self.python, "install", "-q", *requirements)

    def distributions(self) -> dict[str, importlib.metadata.Distribution]:
        purelib = run(
            self.python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        )
        found = importlib.metadata.distributions(path=[purelib.strip()])
        return {canonicalize_name(d.metadata["Name"]): d for d in found}


def closure(installed: dict[str, importlib.metadata.Distribution], root: str) -> set[str]:
    """``root`` and every distribution it requires, transitively (markers evaluated)."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen or name not in installed:
            continue
        seen.add(name)
        for line in installed[name].requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def check_bare(work: Path, wheel: Path, meta: email.message.Message) -> None:
    wanted = {canonicalize_name(r.name) for r in requirements(meta, None)}
    check(wanted == RUNTIME, f"the wheel requires {sorted(wanted)}, not only Flask and SQLAlchemy")
    venv = Venv(work / "venv-bare")
    venv.install(wheel)
    installed = venv.distributions()
    extra = set(installed) - closure(installed, "fss-compat")
    check(not extra, f"the wheel brought more than Flask and SQLAlchemy need: {sorted(extra)}")
    print("installed:", ", ".join(f"{d.metadata['Name']} {d.version}" for d in installed.values()))
    print(run(venv.python, "-I", "-c", SMOKE, cwd=work).strip())
    check((venv.path / "bin" / "fss-compat").is_file(), "the fss-compat command is not installed")
    step("pytest --fss-compat, with pytest added to that virtualenv")
    venv.install("pytest")
    (work / "plugin").mkdir()
    (work / "plugin" / "test_alias.py").write_text(PLUGIN_TEST, encoding="utf-8")
    output = run(venv.python, "-I", "-m", "pytest", "--fss-compat", "-p", "no:cacheprovider",
                 "test_alias.py", cwd=work / "plugin")  # fmt: skip
    check("'flask_sqlalchemy' is served by fss_compat" in output, output)
    check("1 passed" in output, output)
    print("the plugin served flask_sqlalchemy and reported")


def check_extra(work: Path, wheel: Path, meta: email.message.Message, extra: str) -> None:
    named = requirements(meta, extra)
    check(bool(named), f"the extra {extra!r} names nothing")
    venv = Venv(work / f"venv-{extra}")
    venv.install(f"{wheel}[{extra}]")
    installed = venv.distributions()
    for requirement in named:
        distribution = installed.get(canonicalize_name(requirement.name))
        check(distribution is not None, f"[{extra}] did not install {requirement.name}")
        assert distribution is not None
        check(
            requirement.specifier.contains(distribution.version, prereleases=True),
            f"[{extra}] installed {requirement.name} {distribution.version}, not {requirement}",
        )
    if any(canonicalize_name(r.name) == "libcst" for r in named):
        run(venv.path / "bin" / "fss-compat", "--help")
    print(
        f"[{extra}]:",
        ", ".join(f"{r.name} {installed[canonicalize_name(r.name)].version}" for r in named),
    )


def main() -> None:
    started = time.monotonic()
    step("CHANGES.md and the version")
    version = versions()
    with tempfile.TemporaryDirectory(prefix="fss-release-") as temporary:
        work = Path(temporary)
        step("build the sdist, then the wheel from it, from a clean copy")
        clean_copy(work / "source")
        run(sys.executable, "-m", "build", "--outdir", work / "dist", work / "source")
        wheel, meta = check_artifacts(work / "dist", version)
        step("the wheel in a fresh virtualenv with only Flask and SQLAlchemy")
        check_bare(work, wheel, meta)
        extras = sorted(set(meta.get_all("Provides-Extra", [])) - DEVELOPMENT_EXTRAS)
        for extra in extras:
            step(f"the extra [{extra}] in a fresh virtualenv")
            check_extra(work, wheel, meta, extra)
    print(f"release check passed in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
