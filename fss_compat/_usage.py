"""The usage report: which legacy features were used, where, and how often."""

from __future__ import annotations

import collections
import threading

from fss_compat._modes import load_catalogue

__all__ = ["Usage"]


class Usage:
    """What a report collected: per feature id, the call sites and how often each was hit.

    :param sites: feature id -> call site (``file:line``) -> number of uses.

    .. versionadded:: 0.1.0
    """

    def __init__(self, sites: dict[str, collections.Counter[str]] | None = None) -> None:
        self.sites: dict[str, collections.Counter[str]] = {} if sites is None else sites
        # Requests in several threads report at once; a Counter update is not atomic.
        self._lock = threading.Lock()

    def record(self, feature_id: str, site: str) -> None:
        """Count one use of ``feature_id`` at ``site``."""
        with self._lock:
            self.sites.setdefault(feature_id, collections.Counter())[site] += 1

    def total(self, feature_id: str) -> int:
        """How many times the feature was used."""
        return sum(self.sites.get(feature_id, collections.Counter()).values())

    def render(self) -> str:
        """A plain-text summary: one block per feature used, busiest call sites first."""
        if not self.sites:
            return "fss_compat: no legacy Flask-SQLAlchemy features were used."
        lines = ["fss_compat: legacy Flask-SQLAlchemy features used (migration work left):"]
        for f in load_catalogue().FEATURES:
            counter = self.sites.get(f.id)
            if not counter:
                continue
            uses, sites = sum(counter.values()), len(counter)
            lines.append(f"  {f.id} {f.name}: {_plural(uses, 'use')} at {_plural(sites, 'site')}")
            lines.append(f"    replace with: {f.replacement}")
            lines += [f"    {site} ({count}x)" for site, count in counter.most_common(10)]
            if len(counter) > 10:
                lines.append(f"    ... and {len(counter) - 10} more sites")
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
