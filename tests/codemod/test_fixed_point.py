"""One ``migrate`` run is a fixed point: a second run, with the same options, changes nothing.

The rules are run together until no file changes, so a rewrite that makes another rule's
site (FSC201 writes ``db.get_or_404(...)``, which FSC601 rewrites) is taken in the same run.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import settings

from fss_compat.codemod import cli
from fss_compat.codemod import file_pass
from fss_compat.codemod import migration
from fss_compat.codemod import runner
from fss_compat.codemod.engine import ALWAYS
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.families import FAMILIES
from tests._support import corpus
from tests._support.codemod import MODELS
from tests._support.codemod import Project
from tests.property.strategies import RuleSelection
from tests.property.strategies import rule_selections

VIEWS = """\
from .models import User, db


def show(name):
    return User.query.filter_by(name=name).first_or_404()


def one(ident):
    return User.query.get_or_404(ident)
"""


def test_one_write_leaves_nothing_to_check(project: Project) -> None:
    """The issue's case: after one ``migrate --write`` there is nothing left for ``--check``;
    the 404 helpers FSC201 writes are rewritten by FSC601 in the same run.
    """
    project.write({"models.py": MODELS, "views.py": VIEWS})
    folder = str(project.root / project.package)
    assert cli.main(["migrate", folder, "--write", "--jobs", "1"]) == cli.EXIT_OK
    source = project.read("views.py")
    assert (
        "return first_or_404(db.session, sa.select(User).filter_by(name=name).limit(1))" in source
    )
    assert "return get_or_404(db.session, User, ident)" in source
    assert cli.main(["migrate", folder, "--check", "--jobs", "1"]) == cli.EXIT_OK


def _migrate(folder: Path, selection: RuleSelection) -> migration.Migration:
    options = Options(selection.select, selection.stage, selection.unsafe)
    return migration.migrate([str(folder)], options, workers=1)


@settings(max_examples=12, deadline=None)
@given(selection=rule_selections())
def test_second_write_changes_nothing(selection: RuleSelection) -> None:
    """For any selection of rules, writing a run's result and running again changes nothing."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = corpus.write(Path(temporary) / "corpus_app")
        done = _migrate(folder, selection)
        assert done.errors == []
        for change in done.changes:
            compile(change.new, change.path, "exec")
            Path(change.path).write_text(change.new, encoding="utf-8")
        again = _migrate(folder, selection)
        assert [change.path for change in again.changes] == []
        assert len(again.applied) == 0


class _Flip(Rule):
    """A broken family: it rewrites the name ``a`` to ``b`` and ``b`` to ``a``, forever."""

    FEATURES = ("FSC002",)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in ("a", "b"):
            return
        finding = self.report(node, "FSC002", "get-engine", "a flip", ALWAYS)
        if self.applies(finding):
            other = "b" if node.value == "a" else "a"
            self.edit(node, finding, lambda updated: updated.with_changes(value=other))


@pytest.mark.parametrize("rounds", [10, 1])
def test_no_fixed_point_is_an_error(
    project: Project, monkeypatch: pytest.MonkeyPatch, rounds: int
) -> None:
    """Rules that undo each other fail the run, naming the rule and the file; so does a
    run that needs more than the allowed rounds.
    """
    # The scan's traversal, the index's preparation, and the rewrite's rounds.
    for module in (file_pass, runner, migration):
        monkeypatch.setattr(module, "FAMILIES", (*FAMILIES, _Flip))
    monkeypatch.setattr(migration, "MAX_ROUNDS", rounds)
    project.write({"views.py": "a = 1\n"})
    with pytest.raises(migration.FixedPointError) as caught:
        migration.migrate([str(project.root / project.package)], Options(), workers=1)
    message = str(caught.value)
    assert "FSC002.get-engine" in message and "views.py" in message
    expected = "they undo each other" if rounds == 10 else "after 1 rounds"
    assert expected in message


def test_corpus_is_not_left_as_it_was() -> None:
    """The corpus gives the rules something to do: a full run rewrites every module but the
    package's and the tests'.
    """
    with tempfile.TemporaryDirectory() as temporary:
        folder = corpus.write(Path(temporary) / "corpus_app")
        done = _migrate(folder, RuleSelection(None, None, True))
        changed = {Path(change.path).name for change in done.changes}
        assert changed == set(corpus.FILES) - {"__init__.py", "test_corpus.py"}
        assert done.rounds >= 3
        shutil.rmtree(folder)


def test_corpus_builders_are_rewritten_once() -> None:
    """The corpus's values built in one function and run in another are rewritten (the one
    stored on an object gets its TODO), and writing twice gives what writing once gives.
    """
    with tempfile.TemporaryDirectory() as temporary:
        folder = corpus.write(Path(temporary) / "corpus_app")
        selection = RuleSelection(None, None, False)
        done = _migrate(folder, selection)
        builders = [f for f in done.findings if f.path.endswith("views.py") and "builder" in f.key]
        keys = [(f.key, f.status.value) for f in builders]
        assert keys.count(("FSC201.local-builder", "fix")) == 4
        assert keys.count(("FSC201.builder", "manual")) == 1
        for change in done.changes:
            Path(change.path).write_text(change.new, encoding="utf-8")
        once = (folder / "views.py").read_text(encoding="utf-8")
        assert "self.recent = Post.query.order_by(Post.id)\n" in once
        assert "_newest_first(sa.select(Post).join(Post.tags))" in once
        again = _migrate(folder, selection)
        assert again.changes == [] and (folder / "views.py").read_text(encoding="utf-8") == once
