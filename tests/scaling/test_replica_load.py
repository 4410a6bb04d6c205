"""Replicas under load: gunicorn with 4 workers, a real primary and replica, and their outages.

Reads and writes are counted on each server from its statement log; each response also
says which server ran its last read (``pg_is_in_recovery()``). The outage tests stop a
server with ``pg_ctl stop -m fast`` (which ends its sessions) while clients keep sending
requests, then start it again.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support import gunicorn
from tests._support import scenarios
from tests._support.replica import Cluster

pytestmark = [pytest.mark.postgresql, pytest.mark.load]

APP = "tests._support.scaling_app:app"
#: What docs/operations.md recommends for the primary: pre-ping and bounded waits.
CONNECT_TIMEOUT = 3
PRIMARY_OPTIONS = {
    "pool_pre_ping": True,
    "pool_timeout": 5,
    "connect_args": {"connect_timeout": CONNECT_TIMEOUT},
}
RETRY_AFTER = 1.0
#: Seconds after a stop in which requests that were using the stopped server may still fail.
HEALTH_WINDOW = 1.0


@pytest.fixture
def serve(
    cluster: Cluster, cluster_database: str, tmp_path: Path
) -> Iterator[t.Callable[..., t.ContextManager[gunicorn.Server]]]:
    """Serve the scaling app on the pair, with ``FSS_REPLICAS`` naming the replica."""

    def start(**config: t.Any) -> t.ContextManager[gunicorn.Server]:
        settings = {
            "SQLALCHEMY_DATABASE_URI": cluster.primary.url(cluster_database),
            "SQLALCHEMY_ENGINE_OPTIONS": PRIMARY_OPTIONS,
            "FSS_REPLICAS": [cluster.replica.url(cluster_database)],
            "FSS_REPLICA_OPTIONS": {"retry_after": RETRY_AFTER},
            **config,
        }
        env = {"FSS_SCALING_IMPL": "fss_compat", "FSS_SCALING_CONFIG": json.dumps(settings)}
        return gunicorn.serving(APP, env, tmp_path)

    yield start


def _seed(cluster: Cluster, database: str) -> list[int]:
    ids = scenarios.seed_posts(cluster.primary.url(database), 100)
    cluster.wait_replayed()
    return ids


def test_reads_on_the_replica_under_load(
    cluster: Cluster, cluster_database: str, serve: t.Any
) -> None:
    """Read-mostly: >= 90% of reads on the replica, none after a write, no write there."""
    with serve() as server:
        ids = _seed(cluster, cluster_database)
        report = scenarios.routing_run(server, cluster, cluster_database, ids, 400, threads=8)
    assert report.problems == {}
    assert report.lost == []
    assert report.read_your_writes_violations == 0
    assert report.gets_on_primary == 0
    assert (report.writes_on_replica, report.refused_on_replica) == (0, 0)
    assert report.replica_share >= 0.9, report


def _mix(ids: list[int]) -> list[scenarios.Call]:
    return [
        scenarios.Call("GET", f"/posts/{ids[n % len(ids)]}")
        if n % 4
        else scenarios.Call("GET", "/posts")
        for n in range(40)
    ]


def test_replica_outage(cluster: Cluster, cluster_database: str, serve: t.Any) -> None:
    """Replica stopped under load: reads move to the primary, no 5xx past the window, and back.

    Requests reading from the replica when it stops may fail; any request sent more than
    :data:`HEALTH_WINDOW` seconds after the stop gets a 200 from the primary. Once the
    replica is back, reads return to it within ``retry_after`` (each worker probes again).
    """
    with serve() as server:
        ids = _seed(cluster, cluster_database)
        timeline = scenarios.outage_run(
            server,
            _mix(ids),
            threads=4,
            steps=[
                ("warm", lambda: None, 1.0),
                ("stopped", cluster.replica.stop, 1.5),
                ("restarted", cluster.replica.start, RETRY_AFTER + 1.5),
            ],
        )
    failed_late = [
        o
        for o in timeline.outcomes
        if o.status != 200 and o.started > timeline.events["stopped"] + HEALTH_WINDOW
    ]
    assert failed_late == []
    during = timeline.between("stopped", "restarted:begin")
    assert during
    assert [_when(timeline, o) for o in during if o.status == 200 and o.body["replica"]] == []
    late = [
        o
        for o in timeline.between("restarted", None)
        if o.started > timeline.events["restarted"] + RETRY_AFTER + 0.5
    ]
    assert late
    assert [_when(timeline, o) for o in late if o.status != 200 or not o.body["replica"]] == []
    # Requests still running when the stop began may fail: they are the window's.
    before = [
        o
        for o in timeline.between("warm", "stopped:begin")
        if o.reply and o.started + o.reply.seconds < timeline.events["stopped:begin"]
    ]
    assert before
    assert [_when(timeline, o) for o in before if o.status != 200 or not o.body["replica"]] == []


def _when(timeline: scenarios.Timeline, outcome: scenarios.Outcome) -> str:
    """An outcome and its start, relative to each event: for failure messages."""
    times = ", ".join(f"{k} {outcome.started - v:+.3f}" for k, v in timeline.events.items())
    return f"{outcome.status} {outcome.body} ({times})"


def test_primary_outage(cluster: Cluster, cluster_database: str, serve: t.Any) -> None:
    """Primary stopped: writes get a 503 within the connect timeout, reads keep working."""
    with serve() as server:
        ids = _seed(cluster, cluster_database)
        calls = [
            scenarios.Call("POST", "/posts", {"title": f"outage-{n}"})
            if n % 3 == 0
            else scenarios.Call("GET", f"/posts/{ids[n]}")
            for n in range(60)
        ]
        timeline = scenarios.outage_run(
            server,
            calls,
            threads=4,
            steps=[
                ("warm", lambda: None, 1.0),
                ("stopped", cluster.primary.stop, 1.5),
                ("restarted", cluster.primary.start, 0.0),
            ],
        )
    stopped = timeline.events["stopped"]
    during = [
        o
        for o in timeline.between("stopped", "restarted:begin")
        if o.started > stopped + HEALTH_WINDOW
    ]
    writes = [o for o in during if o.call.method == "POST"]
    reads = [o for o in during if o.call.method == "GET"]
    assert writes
    assert [_when(timeline, o) for o in writes if o.status != 503] == []
    assert max(o.reply.seconds for o in writes if o.reply) < CONNECT_TIMEOUT + 1
    assert reads
    assert [_when(timeline, o) for o in reads if o.status != 200 or not o.body["replica"]] == []
