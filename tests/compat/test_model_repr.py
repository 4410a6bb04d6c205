"""``Model.__repr__`` on both sides: ``<Name pk>`` in every object state, or the dataclass repr."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped

from tests._support.implementations import Variant


def todo_model(db: t.Any, variant: Variant) -> t.Any:
    class Todo(db.Model):
        id: Mapped[int] = variant.pk()
        title: Mapped[str] = variant.column(init_default="")

    return Todo


def expected(variant: Variant, obj: object, key: str, fields: str) -> str:
    """``<Name key>``, or for dataclass variants the dataclass repr of ``fields``."""
    if variant.dataclass:
        return f"{type(obj).__qualname__}({fields})"
    return f"<{type(obj).__name__} {key}>"


def test_repr_transient(db: t.Any, variant: Variant) -> None:
    """A transient object shows ``(transient <id>)``; ``str()`` is the same text."""
    todo = todo_model(db, variant)(title="a")
    want = expected(variant, todo, f"(transient {id(todo)})", "id=None, title='a'")
    assert repr(todo) == want
    assert str(todo) == want


def test_repr_pending(db: t.Any, variant: Variant, app: Flask) -> None:
    """An added, unflushed object shows ``(pending <id>)``."""
    todo = todo_model(db, variant)(title="a")
    with app.app_context():
        db.session.add(todo)
        assert repr(todo) == expected(variant, todo, f"(pending {id(todo)})", "id=None, title='a'")


def test_repr_persistent(db: t.Any, variant: Variant, app: Flask) -> None:
    """A flushed object shows its primary key."""
    todo = todo_model(db, variant)(title="a")
    with app.app_context():
        db.create_all()
        db.session.add(todo)
        db.session.flush()
        assert repr(todo) == expected(variant, todo, "1", "id=1, title='a'")


def test_repr_expired(db: t.Any, variant: Variant, app: Flask) -> None:
    """An object expired by commit shows its key; the ``<Name pk>`` form loads nothing."""
    todo = todo_model(db, variant)(title="a")
    with app.app_context():
        db.create_all()
        db.session.add(todo)
        db.session.commit()
        assert repr(todo) == expected(variant, todo, "1", "id=1, title='a'")
        assert ("title" in sa.inspect(todo).unloaded) is not variant.dataclass


def test_repr_deleted(db: t.Any, variant: Variant, app: Flask) -> None:
    """A deleted, flushed object still shows its key."""
    todo = todo_model(db, variant)(title="a")
    with app.app_context():
        db.create_all()
        db.session.add(todo)
        db.session.flush()
        db.session.delete(todo)
        db.session.flush()
        assert sa.inspect(todo).deleted
        assert repr(todo) == expected(variant, todo, "1", "id=1, title='a'")


def test_repr_detached(db: t.Any, variant: Variant, app: Flask) -> None:
    """An object detached when its app context ends still shows its key."""
    todo = todo_model(db, variant)(title="a")
    with app.app_context():
        db.create_all()
        db.session.add(todo)
        db.session.commit()
        assert todo.title == "a"
    assert sa.inspect(todo).detached
    assert repr(todo) == expected(variant, todo, "1", "id=1, title='a'")


def test_repr_composite_key(db: t.Any, variant: Variant, app: Flask) -> None:
    """A composite key shows each value's ``str()``, joined with a comma."""

    class Comp(db.Model):
        num: Mapped[int] = variant.pk(autoincrement=False)
        word: Mapped[str] = variant.pk()

    comp = Comp()
    comp.num, comp.word = 1, "x y"
    with app.app_context():
        db.create_all()
        db.session.add(comp)
        db.session.flush()
        assert repr(comp) == expected(variant, comp, "1, x y", "num=1, word='x y'")


def test_repr_string_key(db: t.Any, variant: Variant, app: Flask) -> None:
    """A string key is shown raw, without quotes."""

    class Keyed(db.Model):
        key: Mapped[str] = variant.pk()

    keyed = Keyed()
    keyed.key = "ab'c"
    with app.app_context():
        db.create_all()
        db.session.add(keyed)
        db.session.flush()
        assert repr(keyed) == expected(variant, keyed, "ab'c", 'key="ab\'c"')
