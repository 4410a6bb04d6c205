"""Scenarios of 2.x's ``BaseQuery``, ``Pagination`` and ``Model.query``."""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from tests._support.v2_scenarios import make_app
from tests._support.v2_scenarios import outcome
from tests._support.v2_scenarios import scenario

# iter_pages() arguments by position: (left_edge, left_current, right_current, right_edge).
_WINDOWS = [(), (0, 0, 0, 0), (1, 1, 1, 1), (5, 2, 1, 2), (2, 2, 5, 2), (0, 3, 3, 0), (3, 0, 0, 3)]


@scenario
def pagination_numbers(fsa: t.Any, tmp: Path) -> t.Any:
    """A hand-built ``Pagination``'s numbers and ``iter_pages`` over a grid."""
    rows = []
    for total in (0, 1, 19, 20, 21, 100, 500):
        for per_page in (0, 1, 7, 20):
            for page in (1, 2, 5, 10, 25, 26):
                p = fsa.Pagination(None, page, per_page, total, [])
                rows.append(
                    {
                        "args": [page, per_page, total],
                        "numbers": [p.pages, p.has_prev, p.has_next, p.prev_num, p.next_num],
                        "windows": [list(p.iter_pages(*w)) for w in _WINDOWS],
                        "by name": list(p.iter_pages(left_edge=1, right_current=3)),
                    }
                )
    p = fsa.Pagination(None, 2, 20, 100, [])
    rows.append({"prev without query": outcome(lambda: p.prev())})
    return rows


def _page(call: Callable[[], t.Any]) -> t.Any:
    try:
        p = call()
    except NotFound:
        return "404"
    return [p.page, p.per_page, p.total, [item.id for item in p.items], p.pages]


# paginate() arguments by position: (page, per_page, error_out, max_per_page).
_ARGS: list[tuple[t.Any, ...]] = [
    (),
    (1,),
    (2,),
    (3, 20),
    (4, 20),
    (4, 20, False),
    (0,),
    (0, 20, False),
    (-1, 20, False),
    (1, 0),
    (1, 0, False),
    (1, -1),
    (1, -1, False),
    (2, 50, True, 10),
    (1, 100, True, 30),
    (None, None, True, 10),
]
_QUERY_STRINGS = ["", "page=2", "per_page=10", "page=3&per_page=10", "page=x", "per_page=y"]
_QUERY_STRINGS += ["page=0", "per_page=-1", "per_page=0", "page=10&per_page=10", "page=2.5"]


def _paginate(query: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
    return query.paginate(*args, **kwargs)


@scenario
def paginate(fsa: t.Any, tmp: Path) -> t.Any:
    """``Query.paginate`` by position, by keyword, from the request, and its prev/next."""
    app = make_app()
    db = fsa.SQLAlchemy(app)

    class Item(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    db.create_all()
    db.session.add_all([Item() for _ in range(45)])
    db.session.commit()

    def query() -> t.Any:
        return Item.query.order_by(Item.id)

    pages = {}
    for args in _ARGS:
        pages[f"args {args!r}"] = _page(functools.partial(_paginate, query(), *args))
    pages["keywords"] = _page(lambda: query().paginate(page=2, per_page=5, max_per_page=3))
    for text in _QUERY_STRINGS:
        for error_out in (True, False):
            with app.test_request_context(f"/?{text}"):
                call = functools.partial(_paginate, query(), error_out=error_out)
                pages[f"request {text} {error_out}"] = _page(call)
    second = query().paginate(2, 10)
    pages["next"] = _page(second.next)
    pages["prev"] = _page(second.prev)
    last = query().paginate(5, 10)
    pages["next of last"] = _page(last.next)
    pages["next of last, error_out"] = _page(lambda: last.next(True))
    pages["query kept"] = second.query is not None
    return pages


@scenario
def query_class(fsa: t.Any, tmp: Path) -> t.Any:
    """Which query class ``Model.query``, sessions and dynamic relationships use."""

    class CustomQuery(fsa.BaseQuery):
        pass

    db = fsa.SQLAlchemy(make_app(), query_class=CustomQuery)

    class Abstract(db.Model):
        __abstract__ = True

    class Parent(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        children = db.relationship("Child", backref="parent", lazy="dynamic")

    class Child(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        parent_id: t.Any = sa.Column(sa.ForeignKey("parent.id"))

    class Own(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        query_class = fsa.BaseQuery

    return {
        "db.Model.query": repr(db.Model.query),
        "abstract": repr(Abstract.query),
        "Parent.query": type(Parent.query).__name__,
        "Own.query": type(Own.query).__name__,
        "dynamic": isinstance(Parent().children, CustomQuery),
        "session.query": type(db.session.query(Parent)).__name__,
        "db.Query": db.Query.__name__,
        "db.Model.query_class": db.Model.query_class.__name__,
        "default": fsa.SQLAlchemy().Query.__name__,
        "db.Column": fsa.SQLAlchemy().Column is sa.Column,
    }


@scenario
def lookups(fsa: t.Any, tmp: Path) -> t.Any:
    """``get_or_404`` and ``first_or_404`` with and without a row, with a description."""
    db = fsa.SQLAlchemy(make_app())

    class Todo(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    db.create_all()

    def found(call: Callable[[], t.Any]) -> t.Any:
        try:
            return call().id
        except NotFound as e:
            return ["404", e.description]

    seen = {
        "get missing": found(lambda: Todo.query.get_or_404(1)),
        "get described": found(lambda: Todo.query.get_or_404(1, description="gone")),
        "first missing": found(lambda: Todo.query.first_or_404()),
        "first described": found(lambda: Todo.query.first_or_404("none here")),
    }
    db.session.add(Todo())
    db.session.commit()
    seen["get"] = found(lambda: Todo.query.get_or_404(1))
    seen["first"] = found(lambda: Todo.query.first_or_404())
    return seen
