"""Sphinx extension for the fss_compat site: generated rule pages and repository links.

* At ``builder-inited`` it writes one page per entry of :data:`fss_compat.catalogue.CATALOGUE`
  into ``rules/`` of the source folder, plus ``rules/index.md``, so the pages cannot drift
  from the catalogue. Files there that the catalogue no longer names are removed.
* At read time it resolves the Markdown links of the pages included from the repository
  root (``README.md``, ``migration_guide.md``, ...), which are written relative to their
  own file: a link to a page of the site becomes a link to that page, a link to another
  file of the repository becomes a link to it in the repository (``fss_repository_url``),
  and a link to a file that does not exist is left to MyST, which reports it.
* It resolves short names in fss_compat's docstrings (``:meth:`Query.paginate```) to the
  one documented object whose name ends with them.
* It keeps the forwarded SQLAlchemy names (``db.Column``, ...) out of the API reference.
"""

from __future__ import annotations

import ast
import re
import typing as t
from pathlib import Path

from docutils import nodes
from myst_parser.mdit_to_docutils.base import default_slugify
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

from fss_compat import catalogue

if t.TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

#: Folder of the source tree that holds the generated rule pages.
RULES = "rules"
#: First line of every generated page; only files that start with it are ever removed.
GENERATED = (
    "% Generated from fss_compat.catalogue by docs/_ext/fss_docs.py at build time: do not edit."
)

SAFETY_MEANING: dict[catalogue.Safety, str] = {
    catalogue.Safety.SAFE: "rewritten: the same results and the same SQL",
    catalogue.Safety.CONDITIONAL: (
        "rewritten when a condition the tool checks holds; otherwise left alone and reported"
    ),
    catalogue.Safety.UNSAFE: "the same results in common cases only: rewritten only with --unsafe",
    catalogue.Safety.MANUAL: (
        "needs a person: reported, with a # TODO(fss FSCnnn): ... comment at the site"
    ),
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.MULTILINE)


def escape(text: str) -> str:
    """``text`` as literal Markdown: catalogue strings are plain text, not markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def guide_anchors(guide: str) -> dict[str, str]:
    """Heading title -> MyST anchor, for every heading of the migration guide."""
    return {title: default_slugify(title.replace("`", "")) for _, title in _HEADING.findall(guide)}


class _Guide:
    """Links into the migration guide's sections, by title."""

    def __init__(self, docname: str, text: str) -> None:
        self.docname = docname
        self.anchors = guide_anchors(text)

    def link(self, title: str) -> str:
        """A link to the section titled ``title``, with the title as text (it is Markdown)."""
        return f"[{title}](../{self.docname}.md#{self.anchors[title]})"

    def stage(self, number: int) -> str:
        """A link to the section of stage ``number``."""
        prefix = re.compile(rf"Stage {number}\b")
        for title in self.anchors:
            if prefix.match(title):
                return self.link(title)
        raise KeyError(f"The migration guide has no section 'Stage {number}: ...'.")

    def section(self, feature: catalogue.Feature) -> str:
        """The feature's own section, or its stage's when it has none (static-only rules)."""
        if feature.guide in self.anchors:
            return self.link(feature.guide)
        return f"none of its own; see {self.stage(feature.stage)}"


def _code(source: str) -> list[str]:
    # Patterns, not examples: a code-block directive, which neither the examples test nor
    # ruff's Markdown formatter treats as a runnable Python block. Elided patterns such as
    # "def record(...): ..." are not Python: shown as text.
    try:
        ast.parse(source)
        language = "python"
    except SyntaxError:
        language = "text"
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", source))])
    return [f"{fence}{{code-block}} {language}", *source.splitlines(), fence]


def render_rule(feature: catalogue.Feature, guide: _Guide, runtime: bool) -> str:
    """The page of one catalogue entry."""
    if runtime:
        switch = (
            f'`FSS_LEGACY="{feature.id}=error"` (or `{feature.name}=error`; also `warn`,'
            " `allow`, and per package: `app.billing:" + feature.id + "=error`)"
        )
    else:
        switch = "none: no runtime check can see it, only the `fss-compat` tool"
    safeties = sorted(
        {rewrite.safety for rewrite in feature.rewrites}, key=list(catalogue.Safety).index
    )
    lines = [
        GENERATED,
        "",
        f"# {feature.id} {feature.name}",
        "",
        f"{escape(feature.summary)}.",
        "",
        f"- **Id:** `{feature.id}`, name `{feature.name}`",
        f"- **Family:** {escape(feature.family.value)}",
        f"- **Replacement:** {escape(feature.replacement)}",
        f"- **Runtime switch:** {switch}",
        f"- **Migrated by:** {guide.stage(feature.stage)}",
        f"- **Guide section:** {guide.section(feature)}",
        "- **Safety of the rewrites:** " + (", ".join(s.value for s in safeties) or "none"),
    ]
    if feature.rewrites:
        lines += [
            "",
            "## What `fss-compat migrate` does",
            "",
            f"Select all of them with `--select {feature.id}`, one with"
            f" `--select {feature.id}.<rewrite>`.",
            "",
            "| Rewrite | Safety | Stage |",
            "|---|---|---|",
        ]
        lines += [
            f"| `{feature.id}.{r.name}` | {r.safety.value} | {r.stage} |" for r in feature.rewrites
        ]
    for rewrite in feature.rewrites:
        manual = rewrite.safety is catalogue.Safety.MANUAL
        lines += [
            "",
            f"### `{feature.id}.{rewrite.name}` ({rewrite.safety.value}, stage {rewrite.stage})",
            "",
            f"{escape(rewrite.why)}",
            "",
            "Before:",
            "",
            *_code("\n".join(rewrite.before)),
            "",
            "What to write by hand:" if manual else "After:",
            "",
            *_code("\n".join(rewrite.after)),
        ]
    return "\n".join(lines) + "\n"


def render_index(guide: _Guide, overview: bool) -> str:
    """``rules/index.md``: the catalogue as a table, and the toctree of the rule pages."""
    lines = [
        GENERATED,
        "",
        "# Legacy features and migration rules",
        "",
        "Every Flask-SQLAlchemy convenience that plain SQLAlchemy does not have is a *legacy"
        " feature* with a stable id and name. The same ids name the runtime switches"
        " ([`FSS_LEGACY`](../configuration.md#fss_legacy)), the warnings and errors, the report"
        " of `pytest --fss-compat`, the `fss-compat scan` inventory, the `fss-compat migrate`"
        " rewrites, and the sections of the [migration guide](../" + guide.docname + ".md)."
        " Rules without a runtime switch are seen by the `fss-compat` tool only.",
        "",
        "| Rule | Family | Runtime switch | Migrated by | Rewrites |",
        "|---|---|---|---|---|",
    ]
    for feature in catalogue.CATALOGUE:
        rewrites = ", ".join(f"`{r.name}` ({r.safety.value})" for r in feature.rewrites)
        lines.append(
            f"| [{feature.id} {feature.name}]({feature.id}.md) | {escape(feature.family.value)} |"
            f" {'yes' if feature.runtime else 'no'} | {guide.stage(feature.stage)} |"
            f" {rewrites} |"
        )
    lines += [
        "",
        "Each rewrite of `fss-compat migrate` has a safety class:",
        "",
        "| Safety | Meaning |",
        "|---|---|",
        *(f"| {safety.value} | {escape(SAFETY_MEANING[safety])} |" for safety in catalogue.Safety),
        "",
        "```{toctree}",
        ":hidden:",
        "",
        *(feature.id for feature in catalogue.CATALOGUE),
    ]
    if overview:
        lines.append("All rules on one page </rules>")
    lines.append("```")
    return "\n".join(lines) + "\n"


def write_rule_pages(srcdir: Path, guide_docname: str, guide_text: str) -> list[Path]:
    """Write ``rules/*.md`` into ``srcdir``; return the files written or kept.

    A file is only rewritten when its text changes, so incremental builds stay incremental.
    """
    guide = _Guide(guide_docname, guide_text)
    folder = srcdir / RULES
    folder.mkdir(exist_ok=True)
    pages = {
        f"{feature.id}.md": render_rule(feature, guide, feature.runtime)
        for feature in catalogue.CATALOGUE
    }
    pages["index.md"] = render_index(guide, overview=(srcdir / f"{RULES}.md").is_file())
    for path in folder.glob("*.md"):
        if path.name not in pages and path.read_text(encoding="utf-8").startswith(GENERATED):
            path.unlink()
    for name, text in pages.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return [folder / name for name in pages]


def _generate(app: Sphinx) -> None:
    root = Path(app.config.fss_repository_root)
    guide_file = next(
        path
        for path, docname in app.config.fss_included_pages.items()
        if docname == app.config.fss_guide_docname
    )
    guide_text = (root / guide_file).read_text(encoding="utf-8")
    write_rule_pages(Path(app.srcdir), app.config.fss_guide_docname, guide_text)


class RepositoryLinks(SphinxTransform):
    """Resolve MyST links that name files of the repository, relative to their own file."""

    default_priority = 100

    def apply(self, **kwargs: t.Any) -> None:
        links = [
            *self.document.findall(addnodes.pending_xref),
            *self.document.findall(addnodes.download_reference),
        ]
        for node in links:
            if node.get("reftype") == "myst":
                self._resolve(node)

    def _target(self, node: nodes.Element) -> tuple[Path, str] | None:
        """The file a link names, and its anchor; None when MyST resolved it to a page."""
        if node.get("refdomain") == "doc":
            docname = str(node["reftarget"])
            if docname in self.env.found_docs:
                return None
            # MyST names a Markdown file outside the source folder by its absolute path
            # without the suffix.
            for suffix in self.config.source_suffix:
                file = Path(self.env.srcdir, docname + suffix)  # an absolute docname wins
                if file.is_file():
                    return file.resolve(), str(node.get("reftargetid") or "")
            return None
        link, _, anchor = str(node["reftarget"]).partition("#")
        if not link or "://" in link:
            return None
        source = Path(node.source or self.env.doc2path(self.env.docname))
        return (source.parent / link).resolve(), anchor

    def _resolve(self, node: nodes.Element) -> None:
        found = self._target(node)
        if found is None:
            return
        target, anchor = found
        root = Path(self.config.fss_repository_root).resolve()
        try:
            relative = target.relative_to(root).as_posix()
        except ValueError:
            return
        docname = self.config.fss_included_pages.get(relative)
        if docname is None and target.is_file():
            candidate = self.env.path2doc(str(target))
            if candidate in self.env.found_docs:
                docname = candidate
        children = [child.deepcopy() for child in node.children]
        for child in children:
            if isinstance(child, nodes.Element) and "download" in child["classes"]:
                child["classes"].remove("download")
        new: nodes.Element
        if docname is not None:
            new = addnodes.pending_xref(
                "",
                *children,
                refdomain="doc",
                reftarget=docname,
                reftargetid=anchor or None,
                reftype="myst",
                refdoc=self.env.docname,
                refexplicit=node.get("refexplicit", False),
            )
        elif target.exists():
            kind = "tree" if target.is_dir() else "blob"
            url = f"{self.config.fss_repository_url}/{kind}/main/{relative}"
            new = nodes.reference("", "", *children, refuri=url + (f"#{anchor}" if anchor else ""))
        else:
            return  # not a file of the repository: MyST reports the broken link
        new.source, new.line = node.source, node.line
        node.replace_self(new)


def _resolve_short_name(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve ``:meth:`Query.paginate``` in fss_compat's docstrings by its unique suffix.

    Docstrings name objects of other fss_compat modules by their short names; Python's
    domain only searches by suffix for a leading dot. Two or more matches are still
    reported, and so is none.
    """
    module = str(node.get("py:module") or "")
    if node.get("refdomain") != "py" or not module.startswith("fss_compat"):
        return None
    specific = node.deepcopy()
    specific["refspecific"] = True
    domain = env.domains["py"]
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], node["reftarget"], specific, contnode
    )


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("fss_repository_root", "", "env", types=(str,))
    app.add_config_value("fss_repository_url", "", "env", types=(str,))
    app.add_config_value("fss_included_pages", {}, "env", types=(dict,))
    app.add_config_value("fss_guide_docname", "guide", "env", types=(str,))
    app.connect("builder-inited", _generate)
    app.connect("missing-reference", _resolve_short_name)
    app.add_transform(RepositoryLinks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
