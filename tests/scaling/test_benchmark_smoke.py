"""Smoke run of ``benchmarks/scaling.py``: its routing section, with a handful of requests.

The scenarios the benchmark runs are the ones ``tests/scaling`` asserts on; this checks
that the benchmark's own code (serving, counting, reporting) still runs.
"""

from __future__ import annotations

import pytest

from benchmarks import scaling
from tests._support.replica import Cluster

pytestmark = pytest.mark.postgresql


def test_routing_section_runs(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    """``routing()`` counts what each server ran and compares with and without replicas."""
    scaling.routing(cluster, 40, rounds=0, cpu_requests=20)
    out = capsys.readouterr().out
    assert "read-your-writes violations: 0" in out
    assert "app process CPU" in out
