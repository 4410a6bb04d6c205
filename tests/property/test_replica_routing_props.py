"""Replica routing, against its reference model, on a real primary and streaming replica.

One state machine drives ``db.session`` of an app with ``FSS_REPLICAS`` through reads of
every kind, writes, flushes, commits, rollbacks, ``use_primary`` blocks, closes and new
application contexts. The model is the routing table of docs/operations.md, in a few
lines: after every step the server each read ran on (it reports ``pg_is_in_recovery()``)
and the session's ``pinned`` flag must be the model's.
"""

from __future__ import annotations

import contextlib
import itertools
import typing as t

import hypothesis
import hypothesis.stateful as stateful
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat.core.replicas import use_primary
from tests._support.implementations import SA_21
from tests._support.replica import Cluster
from tests.property import strategies

pytestmark = pytest.mark.postgresql

_ON_REPLICA = sa.select(sa.func.pg_is_in_recovery())
_titles = itertools.count()


class _Base(orm.DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(40))


def _statement(kind: str) -> tuple[t.Any, dict[str, t.Any]]:
    """The statement of a read kind, and the bind arguments to execute it with."""
    if kind == "option-primary":
        return _ON_REPLICA.execution_options(fss_use_primary=True), {}
    if kind == "argument-primary":
        return _ON_REPLICA, {"fss_use_primary": True}
    if kind == "for-update":
        return _ON_REPLICA.with_for_update(), {}
    if kind == "text":
        return sa.text("SELECT pg_is_in_recovery()"), {}
    return _ON_REPLICA, {}


class Model:
    """Where a read goes, as docs/operations.md says: the whole reference."""

    def __init__(self) -> None:
        self.pinned = False
        self.forced = 0

    def read(self, kind: str) -> bool:
        """Run a read of ``kind``: whether it must run on the replica."""
        if kind in {"for-update", "text"}:
            self.pinned = True
            return False
        return not (self.pinned or self.forced or kind.endswith("-primary"))

    def write(self) -> None:
        self.pinned = True

    def close(self) -> None:
        self.pinned = False


class ReplicaRouting(stateful.RuleBasedStateMachine):
    """``db.session`` with a replica, and the model, side by side.

    A subclass gives :attr:`urls`, the primary's and the replica's.
    """

    urls: tuple[str, str]

    def __init__(self) -> None:
        super().__init__()
        primary_url, replica_url = self.urls
        self.app = Flask(__name__)
        self.app.config["SQLALCHEMY_DATABASE_URI"] = primary_url
        self.app.config["FSS_REPLICAS"] = [replica_url]
        self.db = SQLAlchemy(self.app, model_class=_Base)
        self.context = contextlib.ExitStack()
        self.context.enter_context(self.app.app_context())
        self.blocks: list[contextlib.ExitStack] = []
        self.model = Model()

    @stateful.rule(kind=strategies.read_kinds())
    def read(self, kind: str) -> None:
        statement, arguments = _statement(kind)
        if self.db.session.new and SA_21:
            # SQLAlchemy 2.1 autoflushes before Core statements too (2.0: ORM ones only).
            self.model.write()
        on_replica = self.db.session.execute(statement, bind_arguments=arguments).scalar()
        assert on_replica is self.model.read(kind), kind

    @stateful.rule()
    def add(self) -> None:
        self.db.session.add(_Row(title=f"row {next(_titles)}"))

    @stateful.rule()
    def flush(self) -> None:
        if self.db.session.new:
            self.model.write()
        self.db.session.flush()

    @stateful.rule()
    def commit(self) -> None:
        if self.db.session.new:
            self.model.write()
        self.db.session.commit()

    @stateful.rule()
    def rollback(self) -> None:
        self.db.session.rollback()

    @stateful.rule()
    def close(self) -> None:
        self.db.session.close()
        self.model.close()

    @stateful.rule()
    def new_context(self) -> None:
        self._leave_blocks()
        self.context.close()
        self.context = contextlib.ExitStack()
        self.context.enter_context(self.app.app_context())
        self.model.close()

    @stateful.rule()
    def enter_use_primary(self) -> None:
        block = contextlib.ExitStack()
        block.enter_context(use_primary(self.db.session))
        self.blocks.append(block)
        self.model.forced += 1

    @stateful.precondition(lambda self: bool(self.blocks))
    @stateful.rule()
    def leave_use_primary(self) -> None:
        self.blocks.pop().close()
        self.model.forced -= 1

    @stateful.invariant()
    def pinned_as_the_model(self) -> None:
        assert self.db.session().pinned is self.model.pinned

    def _leave_blocks(self) -> None:
        while self.blocks:
            self.blocks.pop().close()
        self.model.forced = 0

    def teardown(self) -> None:
        self._leave_blocks()
        self.context.close()
        with self.app.app_context():
            engines = list(self.db.engines.values())
        for engine in engines:
            replica_set = self.db._replica_sets.get(engine)
            for replica in replica_set.replicas if replica_set else ():
                replica.dispose()
            engine.dispose()


def test_replica_routing(cluster: Cluster, cluster_database: str) -> None:
    """Every read runs where the routing table says, in any sequence of session operations."""
    with cluster.primary.engine(cluster_database).begin() as conn:
        _Base.metadata.create_all(conn)
    cluster.wait_replayed()
    urls = (cluster.primary.url(cluster_database), cluster.replica.url(cluster_database))
    machine = type("ReplicaRoutingOnCluster", (ReplicaRouting,), {"urls": urls})
    stateful.run_state_machine_as_test(
        machine, settings=hypothesis.settings(stateful_step_count=20)
    )
