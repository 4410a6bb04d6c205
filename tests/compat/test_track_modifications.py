"""Modification signals (``SQLALCHEMY_TRACK_MODIFICATIONS``) on both sides and both databases."""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Iterator
from pathlib import Path

import blinker
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

import fss_compat
from fss_compat.shims import track_modifications
from tests._support.implementations import VARIANTS
from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database

_MakeDb = t.Callable[..., t.Any]


@dataclasses.dataclass
class Sent:
    """What one signal send carried."""

    sender: object
    changes: list[tuple[t.Any, str]]


@dataclasses.dataclass
class Received:
    """Every send of both signals during a test, in order."""

    before: list[Sent] = dataclasses.field(default_factory=list)
    after: list[Sent] = dataclasses.field(default_factory=list)

    def ops(self) -> tuple[list[list[str]], list[list[str]]]:
        """The operations of each send, before and after: ``([["insert"]], [["insert"]])``."""
        return (
            [[op for _, op in sent.changes] for sent in self.before],
            [[op for _, op in sent.changes] for sent in self.after],
        )

    def clear(self) -> None:
        self.before.clear()
        self.after.clear()


@pytest.fixture
def received(impl: Impl) -> Iterator[Received]:
    """Receivers connected to both signals of the side under test for the test's duration."""
    signals = impl.shim("track_modifications")
    result = Received()

    def on_before(sender: object, *, changes: list[tuple[t.Any, str]]) -> None:
        result.before.append(Sent(sender, changes))

    def on_after(sender: object, *, changes: list[tuple[t.Any, str]]) -> None:
        result.after.append(Sent(sender, changes))

    with (
        signals.before_models_committed.connected_to(on_before),
        signals.models_committed.connected_to(on_after),
    ):
        yield result


@dataclasses.dataclass
class Tracked:
    """A ``db`` with tracking on, its app, and a created ``Item`` model."""

    db: t.Any
    app: Flask
    Item: type[t.Any]

    def add(self, name: str) -> t.Any:
        item = self.Item(name=name)
        self.db.session.add(item)
        return item


def make_item(db: t.Any, variant: Variant) -> type[t.Any]:
    class Item(db.Model):
        id: orm.Mapped[int] = variant.pk()
        name: orm.Mapped[str] = variant.column(sa.String(50), init_default="")

    return Item


@pytest.fixture
def tracked(
    make_db: _MakeDb, variant: Variant, app: Flask, database: Database
) -> Iterator[Tracked]:
    """The test app on the test database with tracking on, inside its app context."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    db = make_db()
    item_class = make_item(db, variant)
    with app.app_context():
        db.create_all()
        yield Tracked(db, app, item_class)


def second_app(tmp_path: Path, url: str, track: bool) -> Flask:
    app = Flask("fss_second_app", instance_path=str(tmp_path / "second"))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = track
    return app


# The signals


def test_signal_names(impl: Impl) -> None:
    """Both signals are blinker named signals, called as Flask-SQLAlchemy names them."""
    signals = impl.shim("track_modifications")
    assert isinstance(signals.models_committed, blinker.NamedSignal)
    assert isinstance(signals.before_models_committed, blinker.NamedSignal)
    assert signals.models_committed.name == "models-committed"
    assert signals.before_models_committed.name == "before-models-committed"


def test_insert_sends_both_signals(tracked: Tracked, received: Received) -> None:
    """Committing a new model sends both signals once, from the app, as ``[(item, "insert")]``."""
    item = tracked.add("a")
    tracked.db.session.commit()
    for sent in (*received.before, *received.after):
        assert sent.sender is tracked.app
        assert type(sent.changes) is list
        assert sent.changes == [(item, "insert")]
        assert type(sent.changes[0]) is tuple
    assert received.ops() == ([["insert"]], [["insert"]])


def test_before_signal_precedes_commit(impl: Impl, tracked: Tracked, database: Database) -> None:
    """``before_models_committed`` runs before the commit is visible, ``models_committed`` after."""
    signals = impl.shim("track_modifications")
    other = sa.create_engine(database.url, poolclass=sa.pool.NullPool)
    seen: list[tuple[str, int]] = []

    def counter(label: str) -> t.Callable[..., None]:
        def receiver(sender: object, **kwargs: object) -> None:
            with other.connect() as conn:
                rows = conn.execute(sa.text("SELECT count(*) FROM item")).scalar_one()
            seen.append((label, rows))

        return receiver

    with (
        signals.before_models_committed.connected_to(counter("before")),
        signals.models_committed.connected_to(counter("after")),
    ):
        tracked.add("a")
        tracked.db.session.flush()
        tracked.db.session.commit()
    assert seen == [("before", 0), ("after", 1)]


def test_update_and_delete(tracked: Tracked, received: Received) -> None:
    """A changed persistent model is an "update" and a deleted one a "delete"."""
    item = tracked.add("a")
    tracked.db.session.commit()
    received.clear()
    item.name = "b"
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "update")]
    tracked.db.session.delete(item)
    tracked.db.session.commit()
    assert received.after[1].changes == [(item, "delete")]
    assert received.ops() == ([["update"], ["delete"]], [["update"], ["delete"]])


def test_several_models_in_one_commit(tracked: Tracked, received: Received) -> None:
    """One commit sends all its changed models together, in the order they were seen."""
    kept = tracked.add("kept")
    gone = tracked.add("gone")
    tracked.db.session.commit()
    received.clear()
    new = tracked.add("new")
    kept.name = "changed"
    tracked.db.session.delete(gone)
    tracked.db.session.commit()
    expected = [(new, "insert"), (kept, "update"), (gone, "delete")]
    assert received.before[0].changes == expected
    assert received.after[0].changes == expected


def test_insert_then_update_gives_both(tracked: Tracked, received: Received) -> None:
    """A model flushed as new and then changed is sent as both "insert" and "update"."""
    item = tracked.add("a")
    tracked.db.session.flush()
    item.name = "b"
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "insert"), (item, "update")]


def test_repeated_update_gives_one_entry(tracked: Tracked, received: Received) -> None:
    """A persistent model changed and flushed several times is one "update" entry."""
    item = tracked.add("a")
    tracked.db.session.commit()
    received.clear()
    for name in ("b", "c", "d"):
        item.name = name
        tracked.db.session.flush()
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "update")]


def test_update_then_delete_gives_delete(tracked: Tracked, received: Received) -> None:
    """Entries are keyed by identity, so a later "delete" replaces an "update" of the same row."""
    item = tracked.add("a")
    tracked.db.session.commit()
    received.clear()
    item.name = "b"
    tracked.db.session.flush()
    tracked.db.session.delete(item)
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "delete")]


def test_pending_changes_keyed_by_identity_or_id(tracked: Tracked) -> None:
    """Until commit, changes wait in ``session._model_changes`` under identity key or ``id()``."""
    item = tracked.add("a")
    tracked.db.session.flush()
    item.name = "b"
    tracked.db.session.flush()
    identity = sa.inspect(item).identity_key
    changes = tracked.db.session()._model_changes
    assert changes == {id(item): (item, "insert"), identity: (item, "update")}
    tracked.db.session.commit()
    assert tracked.db.session()._model_changes == {}


def test_empty_commit_sends_nothing(tracked: Tracked, received: Received) -> None:
    """A commit with no changed models sends neither signal."""
    tracked.db.session.commit()
    tracked.db.session.execute(sa.select(tracked.Item)).all()
    tracked.db.session.commit()
    assert received.ops() == ([], [])


def test_commit_clears_changes(tracked: Tracked, received: Received) -> None:
    """Each commit sends only the changes made since the previous one."""
    first = tracked.add("a")
    tracked.db.session.commit()
    second = tracked.add("b")
    tracked.db.session.commit()
    assert [sent.changes for sent in received.after] == [[(first, "insert")], [(second, "insert")]]


def test_rollback_clears_changes(tracked: Tracked, received: Received) -> None:
    """A rollback forgets the flushed changes: the next commit sends only later ones."""
    tracked.add("a")
    tracked.db.session.flush()
    tracked.db.session.rollback()
    tracked.db.session.commit()
    assert received.ops() == ([], [])
    item = tracked.add("b")
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "insert")]


def test_savepoint_rollback_clears_all_changes(tracked: Tracked, received: Received) -> None:
    """Rolling back a savepoint forgets every collected change, also those from before it."""
    tracked.add("kept")
    savepoint = tracked.db.session.begin_nested()
    tracked.add("dropped")
    tracked.db.session.flush()
    savepoint.rollback()
    tracked.db.session.commit()
    assert received.ops() == ([], [])
    assert tracked.db.session.execute(sa.select(tracked.Item.name)).scalars().all() == ["kept"]


# The config flag


def test_off_by_default(make_db: _MakeDb, variant: Variant, app: Flask, received: Received) -> None:
    """Without the config key no signal is sent, and the key is then False in the config."""
    db = make_db()
    item_class = make_item(db, variant)
    assert app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] is False
    with app.app_context():
        db.create_all()
        db.session.add(item_class(name="a"))
        db.session.commit()
        assert db.session()._model_changes == {}
    assert received.ops() == ([], [])


def test_flag_read_again_at_commit(tracked: Tracked, received: Received) -> None:
    """Turning the flag off after ``init_app`` stops the signals; turning it on restores them."""
    tracked.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    tracked.add("a")
    tracked.db.session.commit()
    assert received.ops() == ([], [])
    tracked.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    item = tracked.add("b")
    tracked.db.session.commit()
    assert received.after[0].changes == [(item, "insert")]


def test_changes_kept_while_flag_off_go_out_later(tracked: Tracked, received: Received) -> None:
    """Changes collected while on but committed while off are sent with the next tracked commit."""
    early = tracked.add("early")
    tracked.db.session.flush()
    tracked.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    tracked.db.session.commit()
    assert received.ops() == ([], [])
    tracked.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    late = tracked.add("late")
    tracked.db.session.commit()
    assert received.after[0].changes == [(early, "insert"), (late, "insert")]


def test_enabling_after_init_alone_sends_nothing(
    make_db: _MakeDb, variant: Variant, app: Flask, received: Received
) -> None:
    """An app with the flag off at ``init_app`` gets no signals even if it turns it on later."""
    db = make_db()
    item_class = make_item(db, variant)
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    with app.app_context():
        db.create_all()
        db.session.add(item_class(name="a"))
        db.session.commit()
    assert received.ops() == ([], [])


# Two apps sharing one db


@pytest.fixture
def two_apps(
    make_db: _MakeDb,
    variant: Variant,
    app: Flask,
    database: Database,
    tmp_path: Path,
) -> tuple[Tracked, Tracked]:
    """One ``db`` on two apps: the test app tracking, a second app not tracking at init."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    other = second_app(tmp_path, database.bind_url, track=False)
    db = make_db(app=None)
    item_class = make_item(db, variant)
    db.init_app(app)
    db.init_app(other)
    for each in (app, other):
        with each.app_context():
            db.create_all()
    return Tracked(db, app, item_class), Tracked(db, other, item_class)


def test_two_apps_only_tracking_app_sends(
    two_apps: tuple[Tracked, Tracked], received: Received
) -> None:
    """With one ``db`` on two apps, commits in the app with the flag off send nothing."""
    tracking, quiet = two_apps
    with quiet.app.app_context():
        quiet.add("quiet")
        quiet.db.session.commit()
    assert received.ops() == ([], [])
    with tracking.app.app_context():
        item = tracking.add("tracked")
        tracking.db.session.commit()
    assert [sent.sender for sent in received.after] == [tracking.app]
    assert received.after[0].changes == [(item, "insert")]


def test_two_apps_flag_turned_on_later_sends(
    two_apps: tuple[Tracked, Tracked], received: Received
) -> None:
    """An app off at ``init_app`` but on at commit gets signals, because another app tracks."""
    _, late = two_apps
    late.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    with late.app.app_context():
        item = late.add("late")
        late.db.session.commit()
    assert [sent.sender for sent in received.before] == [late.app]
    assert [sent.sender for sent in received.after] == [late.app]
    assert received.after[0].changes == [(item, "insert")]


def test_receivers_can_listen_to_one_app(impl: Impl, two_apps: tuple[Tracked, Tracked]) -> None:
    """The sender is the current app, so ``connect_via(app)`` hears only that app's commits."""
    first, second = two_apps
    second.app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    heard: list[str] = []

    def receiver(sender: Flask, **kwargs: object) -> None:
        heard.append(sender.name)

    signal = impl.shim("track_modifications").models_committed
    with signal.connected_to(receiver, sender=second.app):
        for each in (first, second):
            with each.app.app_context():
                each.add(each.app.name)
                each.db.session.commit()
    assert heard == [second.app.name]


# fss_compat only: sessions from ``db.sessionmaker()``


@pytest.fixture
def fss_tracked(app: Flask, database: Database) -> Tracked:
    """An fss_compat ``db`` with tracking on and ``Item`` created; no context is left pushed."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = True
    db = fss_compat.SQLAlchemy(app)
    item_class = make_item(db, VARIANTS[0])
    with app.app_context():
        db.create_all()
    return Tracked(db, app, item_class)


def test_sessionmaker_sessions_tracked_in_context(fss_tracked: Tracked) -> None:
    """A ``db.sessionmaker()`` session commits with both signals while an app context is active."""
    received = Received()
    with track_modifications.models_committed.connected_to(
        lambda sender, changes: received.after.append(Sent(sender, changes))
    ):
        with fss_tracked.app.app_context(), fss_tracked.db.sessionmaker() as session:
            item = fss_tracked.Item(name="a")
            session.add(item)
            session.commit()
        with fss_tracked.db.sessionmaker() as session:
            session.add(fss_tracked.Item(name="b"))
            session.commit()
            assert session._model_changes == {}
    assert received.after == [Sent(fss_tracked.app, [(item, "insert")])]


def test_unregistered_app_context_raises_key_error(fss_tracked: Tracked, tmp_path: Path) -> None:
    """Committing a tracked session in the context of an app with no ``db`` raises KeyError."""
    stranger = Flask("fss_stranger_app", instance_path=str(tmp_path / "stranger"))
    with stranger.app_context(), fss_tracked.db.sessionmaker() as session:
        with pytest.raises(KeyError, match="init_app"):
            session.commit()
