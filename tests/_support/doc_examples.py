"""The documentation's code examples, collected by Sybil: a pytest plugin for one page.

``tests/test_docs_examples.py`` runs ``pytest -p tests._support.doc_examples <page>`` in a
fresh process per page (a page may install the ``flask_sqlalchemy`` alias or set process
modes, which must not reach other pages or the parity tests). In a page, in order, sharing
one namespace as a reader typing them would:

* a ``python`` block is executed; a ``pycon`` block is run with doctest (``ELLIPSIS`` on);
* ``<!-- invisible-code-block: python ... -->`` is executed too but not shown: the context
  the prose gives a block (an ``app``, a ``db``), or a check after it;
* ``<!-- skip: next "why" -->`` leaves the next block out (a pattern that cannot run alone);
* ``<!-- quoted-from: examples/stages/<stage>/<file> -->`` checks the next ``python`` block
  instead of running it: its lines must be there, in that order (the file is run by the test
  suite);
* a ``diff`` block quotes the change between two stages of the example (``examples.stages``:
  one of its ``STEPS``, computed from the stages' folders): each of its lines must be a line
  of that diff.

Warnings are errors (the project's pytest settings). Blocks in ``{code-block}`` directives
are patterns, not examples, and are not collected.
"""

from __future__ import annotations

import doctest
import typing as t
from collections.abc import Iterable
from pathlib import Path

from sybil import Document
from sybil import Example
from sybil import Region
from sybil import Sybil
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown import CodeBlockParser
from sybil.parsers.markdown import PythonCodeBlockParser
from sybil.parsers.markdown import SkipParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer

from examples import stages
from fss_compat import legacy

ROOT = Path(__file__).resolve().parents[2]
#: Pages whose code blocks are not examples to run, and why.
NOT_EXAMPLES = {
    "docs/rules.md": "the catalogue's before/after patterns, rendered from fss_compat/catalogue.py",
}
_QUOTED = "__quoted_from__"
_OPTIONS = doctest.ELLIPSIS


def pages() -> list[str]:
    """The pages of the site that are files of the repository, minus NOT_EXAMPLES."""
    found = ["README.md", "migration_guide.md", "CHANGES.md"]
    found += sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md"))
    return [page for page in found if page not in NOT_EXAMPLES]


def _file_lines(path: Path) -> list[str]:
    """The lines of ``path``, without trailing blanks."""
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]


class _PythonOrQuoted(PythonEvaluator):
    """Runs a python block, or checks it against the file a ``quoted-from`` named."""

    def __call__(self, example: Example) -> None:
        quoted = example.namespace.pop(_QUOTED, None)
        if quoted is None:
            super().__call__(example)
            return
        wanted = "\n".join(line.rstrip() for line in str(example.parsed).splitlines())
        assert wanted in "\n".join(_file_lines(ROOT / quoted)), f"the block is not in {quoted}"


class _PythonBlocks(PythonCodeBlockParser):
    def __init__(self) -> None:
        super().__init__(doctest_optionflags=_OPTIONS)
        self.codeblock_parser = CodeBlockParser("python", _PythonOrQuoted())


class _PyconBlocks:
    """A ``pycon`` block: the doctest examples in it."""

    def __init__(self) -> None:
        self.blocks = CodeBlockParser("pycon")
        self.doctests = DocTestStringParser(DocTestEvaluator(_OPTIONS))

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.blocks(document):
            source = region.parsed
            for doctest_region in self.doctests(source, document.path):
                doctest_region.adjust(region, source)
                yield doctest_region


def _check_diff(example: Example) -> None:
    lines = set(str(example.parsed).splitlines()) - {""}
    diffs = [set(stages.diff(old, new).splitlines()) for old, new in stages.STEPS]
    assert any(lines <= diff for diff in diffs), (
        "the diff is not taken from the change between two stages (examples.stages.STEPS)"
    )


class _QuotedFrom:
    """``<!-- quoted-from: path -->``: the next python block is checked against ``path``."""

    def __init__(self) -> None:
        self.lexer = DirectiveInHTMLCommentLexer(directive="quoted-from", arguments=r"\S+")

    def __call__(self, document: Document) -> Iterable[Region]:
        for lexed in self.lexer(document):
            path = str(lexed.lexemes["arguments"])
            yield Region(lexed.start, lexed.end, path, self._remember)

    @staticmethod
    def _remember(example: Example) -> None:
        assert (ROOT / str(example.parsed)).is_file(), f"no file {example.parsed}"
        example.namespace[_QUOTED] = example.parsed


def _setup(namespace: dict[str, t.Any]) -> None:
    namespace["__name__"] = "__main__"


def _teardown(namespace: dict[str, t.Any]) -> None:
    assert _QUOTED not in namespace, "a quoted-from directive has no python block after it"
    legacy.reset()


#: The examples of the pages: ``SYBIL.parse(path)`` is a page's, in order.
SYBIL = Sybil(
    parsers=[
        _PythonBlocks(),
        _PyconBlocks(),
        CodeBlockParser("diff", _check_diff),
        _QuotedFrom(),
        SkipParser(),
    ],
    path=str(ROOT),
    patterns=pages(),
    setup=_setup,
    teardown=_teardown,
)
pytest_collect_file = SYBIL.pytest()
