"""``docs/rules.md``: the rule catalogue of :mod:`fss_compat.catalogue`, rendered."""

from __future__ import annotations

from fss_compat import catalogue

_INTRO = """\
# The fss-compat rules

Generated from the catalogue in `fss_compat/catalogue.py` by `fss-compat rules`; do not edit.
The same ids name the runtime switches (`FSS_LEGACY`), the warnings, the `fss-compat scan`
inventory, the `fss-compat migrate` rewrites and the sections of
[the migration guide](../migration_guide.md).

Safety classes of a rewrite:

| class | what `fss-compat migrate` does |
|---|---|
| safe | rewrites: the same results and the same SQL |
| conditional | rewrites when a condition the tool checks holds; else reports why |
| unsafe | rewrites only with `--unsafe`: the same results in common cases only |
| manual | adds `# TODO(fss FSCnnn): ...` above the statement, naming the guide section |

`--stage N` applies the rewrites of one stage of the migration guide: 1 the import,
3 `db.*` names, 4 explicit table names, 5 the query API, 6 relationships, 7 bind keys,
8 helpers and extras, 9 models onto the app's own base. `--select FSC201` selects every
rewrite of a rule, `--select FSC201.get` one of them.

| rule | family | runtime switch | rewrites (class, stage) |
|---|---|---|---|
"""


def _block(code: tuple[str, ...]) -> list[str]:
    # Not tagged "python": 'ruff format' would restyle the examples (it formats Markdown).
    return ["```text", *code, "```"]


def render_markdown() -> str:
    """The page, exactly as ``docs/rules.md`` must read."""
    lines = [_INTRO.rstrip("\n")]
    for feature in catalogue.CATALOGUE:
        rewrites = ", ".join(f"`{r.name}` ({r.safety.value}, {r.stage})" for r in feature.rewrites)
        switch = "yes" if feature.runtime else "no (static only)"
        lines.append(
            f"| [{feature.guide}](#{feature.id.lower()}-{feature.name}) |"
            f" {feature.family.value} | {switch} | {rewrites} |"
        )
    for feature in catalogue.CATALOGUE:
        lines += ["", f"## {feature.guide}", ""]
        lines.append(f"{feature.summary}. Replacement: {feature.replacement}.")
        lines.append(
            f"Family: {feature.family.value}. Gone after stage {feature.stage}. Guide section:"
            f' "{feature.guide}".'
        )
        for rewrite in feature.rewrites:
            lines += [
                "",
                f"### {feature.id}.{rewrite.name} ({rewrite.safety.value}, stage {rewrite.stage})",
                "",
                rewrite.why,
                "",
                "Before:",
                "",
            ]
            lines += _block(rewrite.before)
            lines += [
                "",
                "After:"
                if rewrite.safety is not catalogue.Safety.MANUAL
                else "By hand, for example:",
                "",
            ]
            lines += _block(rewrite.after)
    return "\n".join(lines) + "\n"
