"""Hostile input: every value a client puts in a URL that reaches the shim, fuzzed.

Page numbers and sizes and keyset cursors from the query string, and identifiers from the
path, on SQLite
and PostgreSQL: the answer is 200 (with what a correct answer holds) or 404, never a 5xx;
the session stays usable in the same request (each view queries again after the helper,
see ``fuzz_app``) and the next request succeeds. One app per test, built once, not per
example. The tests at the end pin the inputs the fuzzing found to be 500s on PostgreSQL
before fss_compat checked them (difference 'get-or-404-impossible-identifier').
"""

from __future__ import annotations

import collections
import re
import typing as t
import urllib.parse
import uuid
from collections.abc import Iterator

import hypothesis
import pytest
from hypothesis import strategies as st

from tests._support.postgresql import Database
from tests.property import strategies
from tests.robustness import fuzz_app
from tests.robustness.fuzz_app import ITEMS
from tests.robustness.fuzz_app import KEYSET_PER_PAGE
from tests.robustness.fuzz_app import TAGS
from tests.robustness.fuzz_app import TOKENS

#: Each example is one or two requests to an app built once, so four times the profile's.
FUZZ_SETTINGS = hypothesis.settings(max_examples=4 * hypothesis.settings().max_examples)
#: fss_compat's default cap for a ``per_page`` from the query string.
REQUEST_CAP = 1000
#: What PostgreSQL's integer input reads (ASCII blanks, a sign, ASCII digits).
_POSTGRESQL_INTEGER = re.compile(r"[ \t\n\r\f\v]*[+-]?[0-9]+[ \t\n\r\f\v]*", re.ASCII)


class Client(t.NamedTuple):
    """The fuzz app, its test client, and whether it runs on PostgreSQL."""

    site: fuzz_app.Site
    on_postgresql: bool

    def get(self, path: str) -> tuple[int, t.Any]:
        """GET ``path``: the status, and the JSON body of a 200; the next request must work."""
        self.site.received.clear()
        client = self.site.app.test_client()
        response = client.get(path)
        assert client.get("/check").status_code == 200
        return response.status_code, response.json if response.status_code == 200 else None


@pytest.fixture
def fuzz(database: Database) -> Iterator[Client]:
    """The fuzz app on the test's database, built once for all the test's examples."""
    site = fuzz_app.create_app(database)
    try:
        yield Client(site, database.is_postgresql)
    finally:
        fuzz_app.dispose(site.app)


# ---------------------------------------------------------------------------------------
# Strategies (the shared ones come from tests/property/strategies.py)


def page_values() -> st.SearchStrategy[str]:
    """``page`` / ``per_page`` values: numbers in any form, huge, past int()'s digit limit."""
    return st.one_of(
        strategies.query_values(),
        st.integers().map(str),
        st.integers(min_value=2**31 - 2, max_value=2**70).map(str),
        st.integers(1, 6000).map(lambda n: "9" * n),
        st.sampled_from(["0", "-1", "1.5", "1e3", "inf", "nan", "\u0663", "\U0001d7da", "\xa02"]),
        st.text(),
    )


def page_queries() -> st.SearchStrategy[list[tuple[str, str]]]:
    """Query-string pairs: ``page`` and ``per_page`` missing, once or repeated, and others."""
    keys = st.sampled_from(["page", "per_page", "page", "per_page", "PAGE", "q"])
    return st.lists(st.tuples(keys, page_values()), max_size=4)


def integer_texts() -> st.SearchStrategy[str]:
    """Text for an integer key: stored ids, numbers in any spelling, out of range, junk."""
    return st.one_of(
        st.integers(1, ITEMS).map(str),
        strategies.query_values(),
        st.integers().map(str),
        st.integers(min_value=2**31 - 2, max_value=2**70).map(str),
        st.text(),
    )


def _garbled(text: str) -> st.SearchStrategy[str]:
    # One character replaced, dropped or added somewhere.
    return st.tuples(st.integers(0, len(text)), st.text(max_size=2)).map(
        lambda cut: text[: cut[0]] + cut[1] + text[cut[0] + 1 :]
    )


def uuid_texts() -> st.SearchStrategy[str]:
    """Text for a UUID key: stored and other UUIDs in every spelling ``uuid.UUID`` reads."""
    values = st.sampled_from(TOKENS) | st.uuids()
    spelled = st.one_of(
        values.map(str),
        values.map(lambda value: str(value).upper()),
        values.map(lambda value: value.hex),
        values.map(lambda value: f"{{{value}}}"),
        values.map(lambda value: value.urn),
    )
    return st.one_of(spelled, spelled.flatmap(_garbled), st.text())


def tag_texts() -> st.SearchStrategy[str]:
    """Text for a string key: stored tags, near misses, any text."""
    tags = st.sampled_from(TAGS)
    near = st.one_of(tags.map(str.upper), tags.map(lambda tag: f"{tag} "), tags.flatmap(_garbled))
    return st.one_of(tags, near, st.text())


# ---------------------------------------------------------------------------------------
# Expected answers


def _expected_page(pairs: list[tuple[str, str]]) -> dict[str, t.Any] | None:
    """The page a correct ``paginate()`` returns for these query-string pairs, or None (404)."""
    args = dict(reversed(pairs))  # the first value of a repeated key wins, as request.args
    try:
        page = int(args.get("page", 1))
        per_page = min(int(args.get("per_page", 20)), REQUEST_CAP)
    except ValueError:
        return None
    if page < 1 or per_page < 1:
        return None
    start = (page - 1) * per_page
    ids = list(range(1, ITEMS + 1))[start : start + per_page]
    if not ids and page != 1:
        return None
    return {"page": page, "per_page": per_page, "ids": ids, "total": ITEMS}


def _reaches_view(ident: str) -> bool:
    # Werkzeug's <path:...> needs a first character other than "/", and no newline after it.
    return ident != "" and not ident.startswith("/") and "\n" not in ident[1:]


def _python_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _parsed_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _quoted(ident: str) -> str:
    return urllib.parse.quote(ident, safe="")


def _identifier_answer(fuzz: Client, path: str, ident: str) -> tuple[int, t.Any]:
    """GET ``path`` + ``ident``; the view was given exactly ``ident`` if routing allows."""
    status, body = fuzz.get(path + _quoted(ident))
    assert status in (200, 404)
    assert fuzz.site.received == ([ident] if _reaches_view(ident) else [])
    return status, body


# ---------------------------------------------------------------------------------------
# The fuzz tests


@pytest.mark.parametrize("route", ["/items", "/query/items"])
def test_page_and_per_page_from_the_query_string(fuzz: Client, route: str) -> None:
    """Any page and per_page query values give the page int() reads them as, or a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(pairs=page_queries())
    def check(pairs: list[tuple[str, str]]) -> None:
        query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
        expected = _expected_page(pairs)
        assert fuzz.get(f"{route}?{query}") == (
            (404, None) if expected is None else (200, expected)
        )

    check()


@pytest.mark.parametrize("route", ["/items/", "/query/items/"])
@pytest.mark.filterwarnings("ignore:.*Query.get.*:sqlalchemy.exc.LegacyAPIWarning")
def test_integer_key_from_any_text(fuzz: Client, route: str) -> None:
    """Any path text for an integer key finds the row int() reads it as, or is a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(ident=integer_texts())
    def check(ident: str) -> None:
        number = _python_int(ident)
        plain = bool(_POSTGRESQL_INTEGER.fullmatch(ident))
        status, body = _identifier_answer(fuzz, route, ident)
        if status == 200:
            assert body == {"id": number}
        # Both databases read a stored id written plainly; PostgreSQL, blanks and signs too.
        stored = ident in {str(n) for n in range(1, ITEMS + 1)}
        in_range = number is not None and 1 <= number <= ITEMS
        if _reaches_view(ident) and (stored or (fuzz.on_postgresql and plain and in_range)):
            assert status == 200

    check()


def test_integer_key_from_int_converter(fuzz: Client) -> None:
    """Any integer from an ``<int(signed=True):...>`` segment finds its row or is a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(number=st.integers() | st.integers(-(2**70), 2**70))
    def check(number: int) -> None:
        expected = (200, {"id": number}) if 1 <= number <= ITEMS else (404, None)
        assert fuzz.get(f"/int/items/{number}") == expected

    check()


def test_uuid_key_from_any_text(fuzz: Client) -> None:
    """Any path text for a UUID key finds the row ``uuid.UUID`` reads it as, or is a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(ident=uuid_texts())
    def check(ident: str) -> None:
        value = _parsed_uuid(ident)
        status, body = _identifier_answer(fuzz, "/tokens/", ident)
        found = value in TOKENS and _reaches_view(ident)
        assert (status, body) == ((200, {"id": str(value)}) if found else (404, None))

    check()


def test_uuid_key_from_uuid_converter(fuzz: Client) -> None:
    """Any UUID from a ``<uuid:...>`` segment finds its row or is a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(value=st.sampled_from(TOKENS) | st.uuids())
    def check(value: uuid.UUID) -> None:
        expected = (200, {"id": str(value)}) if value in TOKENS else (404, None)
        assert fuzz.get(f"/uuid/tokens/{value}") == expected

    check()


def test_string_key_from_any_text(fuzz: Client) -> None:
    """Any path text for a string key finds exactly that row, or is a 404."""

    @FUZZ_SETTINGS
    @hypothesis.given(ident=tag_texts())
    def check(ident: str) -> None:
        status, body = _identifier_answer(fuzz, "/tags/", ident)
        found = ident in TAGS and _reaches_view(ident)
        assert (status, body) == ((200, {"id": ident}) if found else (404, None))

    check()


def _keyset_pages(fuzz: Client, route: str) -> dict[str, list[int]]:
    """Every cursor the route gives out walking forward and back, with the page it opens."""
    pages: dict[str, list[int]] = {}
    status, body = fuzz.get(route)
    assert status == 200
    pending = [body["next"]]
    while pending:
        cursor = pending.pop()
        if cursor is None or cursor in pages:
            continue
        status, body = fuzz.get(f"{route}?cursor={urllib.parse.quote(cursor)}")
        assert status == 200
        pages[cursor] = body["ids"]
        pending += [body["next"], body["prev"]]
    return pages


def _a_page_in_order(ids: list[int], descending: bool) -> bool:
    """Whether ``ids`` are consecutive items in the route's order, at most a page of them."""
    step = -1 if descending else 1
    return 0 < len(ids) <= KEYSET_PER_PAGE and ids == list(
        range(ids[0], ids[0] + step * len(ids), step)
    )


@pytest.mark.parametrize("route", ["/keyset/items", "/keyset/items/desc"])
def test_keyset_cursor_from_the_query_string(
    fuzz: Client, route: str, request: pytest.FixtureRequest
) -> None:
    """Any ``?cursor=`` is its page when the route gave it out, else a 404 (never a 5xx).

    Cursors of the other route's order are 404s, and so is an empty one, like ``?page=``.
    A near miss that still verifies (base64 has spare bits in its last character) must
    open a real page of this route.
    """
    descending = route.endswith("desc")
    ours = _keyset_pages(fuzz, route)
    theirs = _keyset_pages(fuzz, "/keyset/items" if descending else "/keyset/items/desc")
    assert sorted({i for ids in ours.values() for i in ids}) == list(range(1, ITEMS + 1))
    # What the examples were and got, for the report (``--junitxml`` shows it).
    seen: collections.Counter[str] = collections.Counter()

    @FUZZ_SETTINGS
    @hypothesis.given(cursor=strategies.cursor_texts([*ours, *theirs]))
    def check(cursor: str) -> None:
        status, body = fuzz.get(f"{route}?{urllib.parse.urlencode({'cursor': cursor})}")
        assert status in (200, 404)
        if cursor in ours:
            kind = "ours"
            assert (status, body["ids"]) == (200, ours[cursor])
        elif cursor in theirs:
            kind = "other order"
            assert status == 404
        else:
            kind = "hostile"
            assert status == 404 or _a_page_in_order(body["ids"], descending)
        seen[f"{kind} -> {status}"] += 1

    check()
    request.node.user_properties.append(("cursor outcomes", dict(seen)))


# ---------------------------------------------------------------------------------------
# Inputs the fuzzing found to be 500s on PostgreSQL, fixed since: regression tests

ON_POSTGRESQL = [pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.mark.parametrize("database", ON_POSTGRESQL, indirect=True)
@pytest.mark.parametrize("ident", ["\u0661\u0662", "1_0", "\xa05", "\uff15", "5\u2003"])
def test_integer_text_postgresql_cannot_read(fuzz: Client, ident: str) -> None:
    """Integer-key text that int() reads but PostgreSQL does not is a 404, not a 500."""
    assert fuzz.get("/items/" + _quoted(ident))[0] == 404


@pytest.mark.parametrize("database", ON_POSTGRESQL, indirect=True)
def test_text_with_nul_postgresql(fuzz: Client) -> None:
    """String-key text with a NUL character is a 404 on PostgreSQL, not a 500."""
    assert fuzz.get("/tags/" + _quoted("alpha\x00"))[0] == 404
