"""The app the fuzz tests send client input to: each way a URL value reaches the shim.

Query-string ``page`` / ``per_page`` reach ``db.paginate`` and ``Model.query.paginate``;
``cursor`` reaches ``db.keyset_paginate`` (and the core's ``keyset_paginate``, given
``request.args``) over the items in ascending and descending order;
path segments reach ``db.get_or_404`` and ``Model.query.get_or_404`` for integer, UUID
and string keys, as any text (``<path:...>``) and through Werkzeug's ``int`` and ``uuid``
converters. Each view then runs a follow-up query in the same session whatever the helper
did, so a helper that broke the session (an aborted PostgreSQL transaction) is a 500.
"""

from __future__ import annotations

import typing as t
import uuid
from collections.abc import Callable

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import abort
from flask import request
from werkzeug.exceptions import NotFound

from fss_compat import KeysetPagination
from fss_compat import Pagination
from fss_compat import SQLAlchemy
from fss_compat import keyset_paginate
from tests._support.postgresql import Database


class Base(orm.DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)


class Token(db.Model):
    id: orm.Mapped[uuid.UUID] = orm.mapped_column(primary_key=True)


class Tag(db.Model):
    id: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)


#: The stored rows: items 1..ITEMS, these tokens and these tags.
ITEMS = 30
TOKENS = tuple(uuid.uuid5(uuid.NAMESPACE_URL, f"fss-compat-token-{n}") for n in range(3))
TAGS = ("alpha", "Beta", "γάμμα", "two words", "0", "12", "%41")
#: The app's key, and the size of its keyset pages.
SECRET_KEY = "fuzz secret"
KEYSET_PER_PAGE = 7


class Site(t.NamedTuple):
    """The app, and the identifiers its ``<path:...>`` views were given, in order."""

    app: Flask
    received: list[str]


def create_app(database: Database) -> Site:
    """The app on ``database``'s default URL, with its rows stored."""
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database.url, PROPAGATE_EXCEPTIONS=False, SECRET_KEY=SECRET_KEY
    )
    # Otherwise "a//b" in a path is a redirect, and never reaches the view.
    app.url_map.merge_slashes = False
    db.init_app(app)
    received: list[str] = []

    def answer(find: Callable[[], dict[str, t.Any]]) -> dict[str, t.Any]:
        try:
            found: dict[str, t.Any] | None = find()
        except NotFound:
            found = None
        # Whatever the helper was given, its session must still work.
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
        if total != ITEMS:
            raise RuntimeError(f"The session counts {total!r} items, not {ITEMS}.")
        if found is None:
            abort(404)
        return found

    def page(pagination: Pagination) -> dict[str, t.Any]:
        return {
            "page": pagination.page,
            "per_page": pagination.per_page,
            "ids": [item.id for item in pagination.items],
            "total": pagination.total,
        }

    def keyset_page(pagination: KeysetPagination) -> dict[str, t.Any]:
        return {
            "ids": [item.id for item in pagination.items],
            "next": pagination.next_cursor,
            "prev": pagination.prev_cursor,
        }

    def item(ident: object) -> dict[str, t.Any]:
        return {"id": db.get_or_404(Item, ident).id}

    def item_by_query(ident: object) -> dict[str, t.Any]:
        return {"id": Item.query.get_or_404(ident).id}

    def token(ident: object) -> dict[str, t.Any]:
        return {"id": str(db.get_or_404(Token, ident).id)}

    def tag(ident: object) -> dict[str, t.Any]:
        return {"id": db.get_or_404(Tag, ident).id}

    @app.get("/items")
    def items() -> dict[str, t.Any]:
        return answer(lambda: page(db.paginate(sa.select(Item).order_by(Item.id))))

    @app.get("/query/items")
    def query_items() -> dict[str, t.Any]:
        return answer(lambda: page(Item.query.order_by(Item.id).paginate()))

    @app.get("/keyset/items")
    def keyset_items() -> dict[str, t.Any]:
        select = sa.select(Item).order_by(Item.id)
        return answer(lambda: keyset_page(db.keyset_paginate(select, per_page=KEYSET_PER_PAGE)))

    @app.get("/keyset/items/desc")
    def keyset_items_desc() -> dict[str, t.Any]:
        select = sa.select(Item).order_by(Item.id.desc())
        cursor = request.args.get("cursor")
        return answer(
            lambda: keyset_page(
                keyset_paginate(db.session, select, cursor=cursor, per_page=KEYSET_PER_PAGE)
            )
        )

    for path, find in [
        ("/items/<path:ident>", item),
        ("/query/items/<path:ident>", item_by_query),
        ("/tokens/<path:ident>", token),
        ("/tags/<path:ident>", tag),
    ]:
        app.add_url_rule(path, view_func=_text_view(find, answer, received), endpoint=path)

    @app.get("/int/items/<int(signed=True):ident>")
    def item_by_int(ident: int) -> dict[str, t.Any]:
        return answer(lambda: item(ident))

    @app.get("/uuid/tokens/<uuid:ident>")
    def token_by_uuid(ident: uuid.UUID) -> dict[str, t.Any]:
        return answer(lambda: token(ident))

    @app.get("/check")
    def check() -> dict[str, t.Any]:
        return answer(lambda: {})

    with app.app_context():
        db.create_all()
        db.session.add_all([Item() for _ in range(ITEMS)])
        db.session.add_all([Token(id=value) for value in TOKENS])
        db.session.add_all([Tag(id=value) for value in TAGS])
        db.session.commit()
    return Site(app, received)


def _text_view(
    find: Callable[[object], dict[str, t.Any]],
    answer: Callable[[Callable[[], dict[str, t.Any]]], dict[str, t.Any]],
    received: list[str],
) -> Callable[[str], dict[str, t.Any]]:
    def view(ident: str) -> dict[str, t.Any]:
        received.append(ident)
        return answer(lambda: find(ident))

    return view


def dispose(app: Flask) -> None:
    """Close every pooled connection of the app's engine."""
    with app.app_context():
        db.engine.dispose()
