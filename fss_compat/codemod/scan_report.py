"""What ``fss-compat scan`` prints: the sites per rule and per module, as text or JSON, and
the progress against a baseline file (``--baseline``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import collections
import json
import typing as t
from collections.abc import Sequence
from pathlib import Path

from fss_compat import catalogue
from fss_compat.codemod import runner
from fss_compat.codemod.engine import Finding

__all__ = ["compare_baseline", "counts", "inventory", "plural", "progress_of", "text"]


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Findings per rule id."""
    return dict(sorted(collections.Counter(f.feature for f in findings).items()))


def compare_baseline(
    path: Path, current: dict[str, int], update: bool
) -> tuple[dict[str, t.Any], list[str]]:
    """Compare with (or write) the baseline: its report, and the rules whose count rose."""
    if not path.exists():
        data = {"version": 1, "initial": current, "counts": current}
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return {"written": str(path), "progress": progress_of(current, current)}, []
    data = json.loads(path.read_text(encoding="utf-8"))
    recorded: dict[str, int] = data.get("counts", {})
    initial: dict[str, int] = data.get("initial", recorded)
    worse = [key for key, count in current.items() if count > recorded.get(key, 0)]
    if update and not worse:
        data["counts"] = current
        data["initial"] = {k: max(v, initial.get(k, 0)) for k, v in {**initial, **current}.items()}
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report = {
        "file": str(path),
        "worse": {key: [recorded.get(key, 0), current[key]] for key in worse},
        "progress": progress_of(initial, current),
    }
    return report, worse


def progress_of(initial: dict[str, int], current: dict[str, int]) -> dict[str, list[int]]:
    """Per rule: [migrated, total], the total being the larger of the first and now."""
    keys = sorted(set(initial) | set(current))
    result = {}
    for key in keys:
        total = max(initial.get(key, 0), current.get(key, 0))
        result[key] = [total - current.get(key, 0), total]
    return result


def inventory(
    found: runner.Scan, current: dict[str, int], baseline: dict[str, t.Any] | None
) -> dict[str, t.Any]:
    """The scan as ``--json`` prints it: counts, per module, every finding, the baseline."""
    modules: dict[str, dict[str, int]] = {}
    for f in found.findings:
        per_module = modules.setdefault(f.module, {})
        per_module[f.feature] = per_module.get(f.feature, 0) + 1
    return {
        "version": 1,
        "files": len(found.files),
        "counts": current,
        "modules": {name: dict(sorted(c.items())) for name, c in sorted(modules.items())},
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "module": f.module,
                "rule": f.feature,
                "rewrite": f.rewrite,
                "status": f.status.value,
                "message": f.message,
            }
            for f in found.findings
        ],
        "errors": [{"path": path, "error": error} for path, error in found.errors],
        "baseline": baseline,
    }


def text(
    found: runner.Scan,
    current: dict[str, int],
    baseline: dict[str, t.Any] | None,
    worse: list[str],
) -> str:
    """The scan as it prints by default: the sites per rule, per module, the progress."""
    lines: list[str] = []
    for feature in catalogue.CATALOGUE:
        sites = [f for f in found.findings if f.feature == feature.id]
        if not sites:
            continue
        lines.append(
            f"{feature.id} {feature.name} ({feature.family.value}): {plural(len(sites), 'site')}"
        )
        for f in sites:
            lines.append(f"  {f.path}:{f.line}: {f.status.value} {f.key}: {f.message}")
    modules = collections.Counter(f.module for f in found.findings)
    if modules:
        lines.append("per module:")
        for module, count in sorted(modules.items()):
            per = counts([f for f in found.findings if f.module == module])
            lines.append(f"  {module}: {count} ({', '.join(f'{k} {v}' for k, v in per.items())})")
    if baseline is not None:
        if "written" in baseline:
            lines.append(f"baseline written to {baseline['written']}")
        lines.append("progress (migrated / total, against the baseline):")
        for key, (done, total) in baseline["progress"].items():
            share = 100 * done // total if total else 100
            lines.append(f"  {key} {catalogue.get(key).name}: {done}/{total} ({share}%)")
        for key in worse:
            before, now = baseline["worse"][key]
            lines.append(
                f"WORSE: {key} {catalogue.get(key).name}: {before} -> {plural(now, 'site')}"
            )
    total = sum(current.values())
    lines.append(
        f"{plural(total, 'legacy site')} in {plural(len(modules), 'module')}"
        f" ({plural(len(found.files), 'file')})"
    )
    return "\n".join(lines)


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
