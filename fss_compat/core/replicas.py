"""Read replicas: reads go to a healthy replica; writes, and what follows them, to the primary.

A :class:`ReplicaSet` holds one primary engine's replicas and their health. A
:class:`RoutingSession` routes each statement the way SQLAlchemy's "custom vertical /
horizontal partitioning" recipe does, in :meth:`~sqlalchemy.orm.Session.get_bind`:

* a plain ``SELECT`` goes to a replica of the primary the session would otherwise use;
* a flush, ``INSERT`` / ``UPDATE`` / ``DELETE``, ``SELECT ... FOR UPDATE``, a ``text()``
  statement and ``session.connection()`` go to the primary, and from then on every read of
  the session goes to the primary too, until the session is closed (read-your-writes);
* :func:`use_primary` (a block) and the :data:`USE_PRIMARY` execution option (one
  statement) send reads to the primary without pinning the session.

A session keeps the replica it first read from (its reads never go back in time), unless
that replica fails. Routing a read connects the session to its replica, so asking for the
bind of a read (``session.get_bind(clause=select(...))``, ``str(query)``) does too.

A replica that refuses a connection, or whose connection breaks, is skipped by every
session for ``retry_after`` seconds; then one session tries it again. A session that meets
a replica it cannot connect to reads from the next healthy one, or from the primary when
none is: the request does not fail. With ``max_lag``, a PostgreSQL replica further behind
its primary than that is skipped too.

This module imports only SQLAlchemy; nothing else of fss_compat imports it but the facade.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
import itertools
import math
import time
import typing as t
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm

__all__ = ["USE_PRIMARY", "ReplicaSet", "RoutingSession", "use_primary"]

#: Execution option (on a statement) or bind argument (``session.execute(...,
#: bind_arguments=...)``) that sends one read to the primary:
#: ``select(User).execution_options(fss_use_primary=True)``.
USE_PRIMARY = "fss_use_primary"
_FORCED = "fss_compat.use_primary"
_Bind = t.Union[sa.engine.Engine, sa.engine.Connection]  # noqa: UP007 (runtime alias)

#: Seconds the replica is behind: 0 when it has replayed all it received (an idle primary
#: writes nothing, so the last replay time says nothing), else the age of the last replayed
#: transaction. ``pg_last_xact_replay_timestamp()`` is NULL before the first replay.
LAG_QUERY = sa.text(
    "SELECT CASE WHEN NOT pg_is_in_recovery()"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class ReplicaSet:
    """The replicas of one primary engine, and which of them are healthy now.

    Health is kept per process: each worker of a forked server learns on its own. Listens
    to each replica engine's ``handle_error`` event to notice broken connections.

    :param primary: the engine writes go to.
    :param replicas: engines of the primary's replicas, tried in turn (round robin).
    :param retry_after: seconds a replica that failed is skipped before it is tried again.
    :param max_lag: skip a replica whose replay lag is above this many seconds (PostgreSQL
        only; ``None``: no bound). Checked on a connection of its own, at most every
        ``lag_check_interval`` seconds per replica and process.
    :param lag_check_interval: seconds between two lag checks of one replica.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        primary: sa.engine.Engine,
        replicas: Sequence[sa.engine.Engine],
        *,
        retry_after: float = 5.0,
        max_lag: float | None = None,
        lag_check_interval: float = 1.0,
    ) -> None:
        if not replicas:
            raise ValueError(
                f"ReplicaSet({primary!r}, replicas={replicas!r}) has no replica. Pass at least"
                " one engine, or route everything to the primary without a ReplicaSet."
            )
        for value, name in ((retry_after, "retry_after"), (lag_check_interval, "lag_check")):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"'{name}' must be a number of seconds >= 0, not {value!r}.")
        if max_lag is not None:
            others = [e for e in replicas if e.dialect.name != "postgresql"]
            if others:
                raise ValueError(
                    f"'max_lag' needs PostgreSQL replicas; {others!r} are not. Leave"
                    " 'max_lag' unset for them."
                )
        self.primary = primary
        self.replicas = tuple(replicas)
        self.retry_after = float(retry_after)
        self.max_lag = max_lag
        self.lag_check_interval = float(lag_check_interval)
        # Plain floats, no lock: two threads racing here at worst both try one replica.
        self._down_until = dict.fromkeys(self.replicas, 0.0)
        self._lag_next_check = dict.fromkeys(self.replicas, 0.0)
        self._lagging = dict.fromkeys(self.replicas, False)
        self._turn = itertools.count()
        for engine in self.replicas:
            sa.event.listen(engine, "handle_error", self._on_error)

    def __repr__(self) -> str:
        return f"<ReplicaSet {self.primary.url!r} replicas={len(self.replicas)}>"

    def healthy(self) -> list[sa.engine.Engine]:
        """The replicas not skipped now (down, or lagging at the last check)."""
        return [engine for engine in self.replicas if self.is_healthy(engine)]

    def is_healthy(self, engine: sa.engine.Engine) -> bool:
        """Whether ``engine`` is not skipped now (down, or lagging at the last check)."""
        return self._down_until[engine] <= time.monotonic() and not self._lagging[engine]

    def choose(self, exclude: t.Container[sa.engine.Engine] = ()) -> sa.engine.Engine | None:
        """The next replica to read from, in turn; ``None`` when none is healthy.

        A replica whose ``retry_after`` has passed is handed to one caller (the others keep
        skipping it) until :meth:`mark_up` or :meth:`mark_down` says how that went.

        :param exclude: replicas the caller already failed on.
        """
        now = time.monotonic()
        count = len(self.replicas)
        start = next(self._turn)
        for step in range(count):
            engine = self.replicas[(start + step) % count]
            if engine in exclude:
                continue
            down_until = self._down_until[engine]
            if down_until > now:
                continue
            if down_until:
                # Claim the retry: the other sessions skip it while this one tries.
                self._down_until[engine] = now + self.retry_after
            if self.max_lag is not None and self._lags(engine, now):
                continue
            return engine
        return None

    def mark_down(self, engine: sa.engine.Engine) -> None:
        """Skip ``engine`` for ``retry_after`` seconds."""
        self._down_until[engine] = time.monotonic() + self.retry_after

    def mark_up(self, engine: sa.engine.Engine) -> None:
        """``engine`` took a connection: use it again."""
        if self._down_until[engine]:
            self._down_until[engine] = 0.0

    def lag(self, engine: sa.engine.Engine) -> float:
        """Seconds ``engine``'s replica is behind its primary, measured now (PostgreSQL)."""
        with engine.connect() as connection:
            return float(connection.execute(LAG_QUERY).scalar_one())

    def _lags(self, engine: sa.engine.Engine, now: float) -> bool:
        if now >= self._lag_next_check[engine]:
            self._lag_next_check[engine] = now + self.lag_check_interval
            try:
                lag = self.lag(engine)
            except sa_exc.DBAPIError:
                self.mark_down(engine)
                return True
            assert self.max_lag is not None
            self._lagging[engine] = lag > self.max_lag
        return self._lagging[engine]

    def _on_error(self, context: sa.engine.ExceptionContext) -> None:
        # A connection that broke, or one that could not be made. A failed pre-ping is not
        # counted: the pool connects again at once, and that attempt decides.
        if context.is_pre_ping:
            return
        if context.is_disconnect or context.connection is None:
            # An engine from ``replica.execution_options(...)`` reports itself, not the replica.
            if context.engine in self._down_until:
                self.mark_down(context.engine)


class RoutingSession(orm.Session):
    """A :class:`sqlalchemy.orm.Session` that sends reads to replicas, as the module describes.

    The primary for a statement is whatever :meth:`sqlalchemy.orm.Session.get_bind`
    chooses (``bind=``, ``binds=``, or a subclass's rules); a :class:`ReplicaSet` whose
    ``primary`` is that engine then supplies the replica. Subclasses that choose engines
    themselves call :meth:`route` on their choice.

    :param replicas: the replica sets, one per primary engine.
    :param kwargs: passed to :class:`sqlalchemy.orm.Session`.

    .. versionadded:: 0.1.0
    """

    def __init__(self, *args: t.Any, replicas: Iterable[ReplicaSet] = (), **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._replica_sets: dict[_Bind, ReplicaSet] = {rs.primary: rs for rs in replicas}
        self._pinned = False
        # Per session (one request): the replica set of each primary seen, the replica
        # each set's reads use, and the transaction in which each replica got connected.
        self._set_of: dict[_Bind, ReplicaSet | None] = {}
        self._replica_of: dict[ReplicaSet, sa.engine.Engine] = {}
        self._connected_in: dict[sa.engine.Engine, orm.SessionTransaction | None] = {}

    @property
    def pinned(self) -> bool:
        """Whether this session wrote, so that its reads go to the primary until it is closed."""
        return self._pinned

    def replica_set_for(self, primary: _Bind) -> ReplicaSet | None:
        """The replica set of ``primary``; override to find replica sets elsewhere."""
        return self._replica_sets.get(primary)

    def get_bind(
        self,
        mapper: t.Any | None = None,
        clause: t.Any | None = None,
        bind: _Bind | None = None,
        **kwargs: t.Any,
    ) -> _Bind:
        """The engine :class:`sqlalchemy.orm.Session` chooses, or a replica of it for a read."""
        if bind is not None:
            return bind
        primary = super().get_bind(mapper, clause=clause, **kwargs)
        return self.route(primary, clause, **kwargs)

    def route(self, primary: _Bind, clause: t.Any | None, **kwargs: t.Any) -> _Bind:
        """Return ``primary``, or for a read a replica of it with a connection in this session.

        :param primary: the engine the statement would run on without replicas.
        :param clause: the statement; ``None`` for a flush and ``session.connection()``.
        :param kwargs: the other bind arguments; ``fss_use_primary=True`` forces ``primary``.
        """
        if self._pinned:
            return primary
        try:
            replica_set = self._set_of[primary]
        except KeyError:
            replica_set = self._set_of[primary] = self.replica_set_for(primary)
        if replica_set is None:
            return primary
        if not _is_read(clause):
            self._pinned = True
            return primary
        if kwargs.get(USE_PRIMARY) or self.info.get(_FORCED) or _forced(clause):
            return primary
        replica = self._replica_of.get(replica_set)
        if replica is not None and replica_set.is_healthy(replica):
            if self._connected_in.get(replica, False) is self.get_transaction():
                return replica  # connected in this transaction already: nothing can fail here
        else:
            replica = replica_set.choose()
        failed: list[sa.engine.Engine] = []
        while replica is not None:
            try:
                # Connect here, where another replica or the primary can still be chosen.
                self.connection(bind_arguments={"bind": replica})
            except sa_exc.DBAPIError:
                replica_set.mark_down(replica)
                failed.append(replica)
                replica = replica_set.choose(exclude=failed)
                continue
            except sa_exc.TimeoutError:
                # Its pool is exhausted: the replica is busy, not down.
                failed.append(replica)
                replica = replica_set.choose(exclude=failed)
                continue
            replica_set.mark_up(replica)
            self._replica_of[replica_set] = replica
            self._connected_in[replica] = self.get_transaction()
            return replica
        return primary

    def close(self) -> None:
        """:meth:`sqlalchemy.orm.Session.close`; afterwards reads go to replicas again."""
        super().close()
        self._forget_writes()

    def reset(self) -> None:
        """:meth:`sqlalchemy.orm.Session.reset`; afterwards reads go to replicas again."""
        super().reset()
        self._forget_writes()

    def invalidate(self) -> None:
        """:meth:`sqlalchemy.orm.Session.invalidate`; afterwards reads go to replicas again."""
        super().invalidate()
        self._forget_writes()

    def _forget_writes(self) -> None:
        self._pinned = False
        self._set_of.clear()
        self._replica_of.clear()
        self._connected_in.clear()


def _is_read(clause: t.Any | None) -> bool:
    """A ``SELECT`` that locks no rows. Anything else may write (``text()`` included)."""
    if clause is None or not getattr(clause, "is_select", False):
        return False
    return not _locks_rows(clause)


def _locks_rows(select: t.Any) -> bool:
    # ``with_for_update()`` stores its arguments in ``_for_update_arg`` (SQLAlchemy 1.4 to
    # 2.1); tests/scaling/test_routing.py fails if that changes.
    return getattr(select, "_for_update_arg", None) is not None


def _forced(clause: t.Any) -> bool:
    options = clause.get_execution_options()
    return bool(options.get(USE_PRIMARY))


@contextlib.contextmanager
def use_primary(session: orm.Session | orm.scoped_session[t.Any]) -> Iterator[None]:
    """Send the reads of ``session`` inside the ``with`` block to the primary.

    Nesting is allowed. Unlike a write, this does not pin the session after the block.

    :param session: a :class:`RoutingSession`, or a scoped session of them (``db.session``).

    .. versionadded:: 0.1.0
    """
    info = session.info
    info[_FORCED] = info.get(_FORCED, 0) + 1
    try:
        yield
    finally:
        info[_FORCED] -= 1
