"""Every strategy the property tests draw from, and the scenarios they build.

Strategies are named as plural nouns. A scenario is plain data (numbers, strings, tuples
of indices): each side turns the same scenario into its own models and calls, so one
drawn example drives Flask-SQLAlchemy and fss_compat alike.
"""

from __future__ import annotations

import dataclasses
import keyword
import math
import typing as t
import urllib.parse

from hypothesis import strategies as st

_T = t.TypeVar("_T")

# --------------------------------------------------------------------------------------
# Pagination


@dataclasses.dataclass(frozen=True)
class PaginationScenario:
    """One pagination call over a table of ``rows`` items with ids 1..rows.

    ``entry`` is ``"db.paginate"``, ``"Model.query.paginate"``, ``"paginate()"`` (the
    plain function, compared with ``db.paginate`` given the same explicit numbers) or
    ``"paginate(from_request)"`` (the plain function given ``page_from_request()`` and
    ``per_page_from_request()`` for the numbers not passed, compared with ``db.paginate``).
    ``query_string`` is ``None`` for a call in an app context without a request.
    ``page`` and ``per_page`` are ``None`` when not passed (read from the request).
    ``request_cap`` is the app's ``FSS_MAX_PER_PAGE`` (fss_compat's cap on a ``per_page``
    read from the request; Flask-SQLAlchemy ignores the key).
    """

    rows: int
    entry: str
    query_string: str | None
    page: object
    per_page: object
    max_per_page: object
    error_out: bool
    count: bool
    widths: dict[str, int]
    prev_error_out: bool
    next_error_out: bool
    request_cap: int | None


# Zero of each digit system tried: ASCII, Arabic-Indic, Extended Arabic-Indic,
# Devanagari, Bengali, fullwidth. Python's int() accepts every one of them.
_ZEROS = "0\u0660\u06f0\u0966\u09e6\uff10"


@st.composite
def _unicode_numerals(draw: st.DrawFn) -> str:
    number = draw(st.integers(0, 60))
    zero = ord(draw(st.sampled_from(_ZEROS)))
    return "".join(chr(zero + int(digit)) for digit in str(number))


def _numerals() -> st.SearchStrategy[str]:
    rare = st.one_of(
        st.integers(41, 5000).map(str),
        st.one_of(st.integers(min_value=2**31), st.integers(max_value=-(2**31))).map(str),
        _unicode_numerals(),
        st.floats().map(str),
        st.sampled_from(["1_0", "0x10", "1e2", "True", "None", "00", "-0", "٣", "²"]),
    )
    return _mostly(st.integers(-3, 40).map(str), rare)


def query_values() -> st.SearchStrategy[str]:
    """Decoded query-string values: numbers in any form, padded, signed, empty or junk."""
    padded = st.tuples(
        st.sampled_from(["", "", " ", "+", "-", "\t", "  "]),
        _numerals(),
        st.sampled_from(["", "", " ", "\n", "_"]),
    ).map("".join)
    return st.one_of(padded, st.just(""), st.text(max_size=6))


def _encode(key: str, value: str, encoding: str) -> str:
    if encoding == "bare" and value == "":
        return urllib.parse.quote(key, safe="")
    if encoding == "plus":
        # Space as '+', '+' as %2B.
        return f"{urllib.parse.quote_plus(key)}={urllib.parse.quote_plus(value)}"
    if encoding == "raw_plus":
        # A literal '+' stays, so the server decodes it as a space.
        return f"{urllib.parse.quote(key, safe='')}={urllib.parse.quote(value, safe='+')}"
    return f"{urllib.parse.quote(key, safe='')}={urllib.parse.quote(value, safe='')}"


def query_strings() -> st.SearchStrategy[str]:
    """Raw query strings with ``page`` and ``per_page`` keys, repeated, misspelt or bare."""
    keys = st.one_of(
        st.sampled_from(["page", "per_page"]),
        st.sampled_from(["PAGE", "Page", "perpage", "per_page ", "q"]),
    )
    pairs = st.lists(
        st.tuples(keys, query_values(), st.sampled_from(["percent", "plus", "raw_plus", "bare"])),
        max_size=4,
    )
    return pairs.map(lambda items: "&".join(_encode(*item) for item in items))


def _mostly(common: st.SearchStrategy[_T], rare: st.SearchStrategy[_T]) -> st.SearchStrategy[_T]:
    # Hypothesis picks one_of's branches about equally; a drawn number weights them 4:1.
    return st.integers(0, 4).flatmap(lambda n: rare if n == 0 else common)


def page_numbers() -> st.SearchStrategy[object]:
    """Explicit ``page`` / ``per_page`` arguments: small, negative, huge, floats, wrong types."""
    rare = st.one_of(
        st.integers(min_value=2**62, max_value=2**70),
        st.floats(-2, 12),
        st.sampled_from([math.nan, math.inf, -math.inf, True, "2"]),
    )
    return _mostly(st.integers(-2, 12), rare)


def max_per_pages() -> st.SearchStrategy[object]:
    """``max_per_page`` arguments: none, small (zero and negative too) or huge."""
    return st.one_of(st.none(), st.integers(-2, 15), st.just(10**20))


def request_caps() -> st.SearchStrategy[int | None]:
    """``FSS_MAX_PER_PAGE`` values: no cap, or one within the generated table sizes."""
    return st.none() | st.integers(1, 50)


def page_widths() -> st.SearchStrategy[dict[str, int]]:
    """``iter_pages()`` keyword arguments: any subset, each possibly zero or negative."""
    width = st.integers(-2, 6)
    return st.fixed_dictionaries(
        {},
        optional={
            "left_edge": width,
            "left_current": width,
            "right_current": width,
            "right_edge": width,
        },
    )


PAGINATION_ENTRIES = ("db.paginate", "Model.query.paginate", "paginate()", "paginate(from_request)")


@st.composite
def pagination_scenarios(
    draw: st.DrawFn, entries: t.Sequence[str] = PAGINATION_ENTRIES, requests_only: bool = False
) -> PaginationScenario:
    """A table size (0 included), an entry point, a request or none, and every argument.

    :param entries: the entry points drawn from.
    :param requests_only: always a request (a query string), never a bare app context.
    """
    entry = draw(st.sampled_from(entries))
    query_string = draw(query_strings() if requests_only else st.none() | query_strings())
    # The plain function takes numbers only; it never reads the request.
    numbers = page_numbers() if entry == "paginate()" else st.none() | page_numbers()
    return PaginationScenario(
        rows=draw(st.integers(0, 45)),
        entry=entry,
        query_string=query_string,
        page=draw(numbers),
        per_page=draw(numbers),
        max_per_page=draw(max_per_pages()),
        error_out=draw(st.booleans()),
        count=draw(st.booleans()),
        widths=draw(page_widths()),
        prev_error_out=draw(st.booleans()),
        next_error_out=draw(st.booleans()),
        request_cap=draw(request_caps()),
    )


# --------------------------------------------------------------------------------------
# Keyset and row pagination

#: The columns of the table keyset scenarios fill: ``a`` and ``b`` may be NULL, ``c`` not.
SORT_COLUMNS = ("a", "b", "c", "id")


@dataclasses.dataclass(frozen=True)
class SortTerm:
    """One ``ORDER BY`` term: a column of :data:`SORT_COLUMNS`, a direction and an explicit
    NULL placement (``"first"``, ``"last"``) or ``None`` for the database's own."""

    column: str
    descending: bool
    nulls: str | None


@dataclasses.dataclass(frozen=True)
class KeysetScenario:
    """Rows ``(a, b, c)`` of a table keyed by ``id`` 1..n, an order, and pages to read.

    ``a`` is a small integer or NULL, ``b`` a short text or NULL, ``c`` a small integer, so
    that sort keys tie often. ``order`` may leave ties (the primary key is then appended)
    or include ``id`` anywhere. ``rows`` pages ``select(a, b, c, id)`` as rows instead of
    entities; ``where`` keeps rows with ``c`` at most it, or all when ``None``.
    """

    rows: tuple[tuple[int | None, str | None, int], ...]
    order: tuple[SortTerm, ...]
    per_page: int
    rows_mode: bool
    where: int | None


def sort_terms() -> st.SearchStrategy[SortTerm]:
    """``ORDER BY`` terms on any column, either direction, with or without NULLS FIRST/LAST."""
    return st.builds(
        SortTerm,
        column=st.sampled_from(SORT_COLUMNS),
        descending=st.booleans(),
        nulls=st.sampled_from([None, None, "first", "last"]),
    )


@st.composite
def keyset_scenarios(draw: st.DrawFn) -> KeysetScenario:
    """Zero to 30 rows full of ties and NULLs, one to three sort terms, pages of 1 to 7."""
    rows = st.tuples(
        st.none() | st.integers(0, 3),
        st.none() | st.sampled_from(["", "x", "y", "Y", "xy"]),
        st.integers(0, 2),
    )
    terms = draw(st.lists(sort_terms(), min_size=1, max_size=3, unique_by=lambda t: t.column))
    return KeysetScenario(
        # A drawn size: plain lists are mostly short, and walks of many pages matter most.
        rows=tuple(
            draw(st.integers(0, 30).flatmap(lambda n: st.lists(rows, min_size=n, max_size=n)))
        ),
        order=tuple(terms),
        per_page=draw(st.integers(1, 7)),
        rows_mode=draw(st.booleans()),
        where=draw(st.none() | st.integers(0, 2)),
    )


def _edited(text: str) -> st.SearchStrategy[str]:
    # One character replaced, dropped or added, anywhere.
    return st.tuples(st.integers(0, len(text)), st.text(max_size=2), st.booleans()).map(
        lambda edit: text[: edit[0]] + edit[1] + text[edit[0] + int(edit[2]) :]
    )


def cursor_texts(valid: t.Sequence[str]) -> st.SearchStrategy[str]:
    """``?cursor=`` values: real cursors and near misses, cut, padded, huge, and any text.

    :param valid: cursors an app really gave out; each is also drawn as it is.
    """
    real = st.sampled_from(list(valid))
    cut = real.flatmap(lambda c: st.integers(0, len(c)).map(lambda n: c[:n]))
    tail = real.flatmap(lambda c: st.integers(0, len(c)).map(lambda n: c[n:]))
    padded = st.tuples(real, st.text(max_size=8)).map("".join)
    huge = st.one_of(
        st.integers(4000, 20000).map(lambda n: "A" * n),
        real.map(lambda c: c * 40),
    )
    shaped = st.from_regex(r"[A-Za-z0-9_\-]{0,60}(\.[A-Za-z0-9_\-]{0,50}){0,2}", fullmatch=True)
    return st.one_of(
        real,
        real.flatmap(_edited),
        cut,
        tail,
        padded,
        huge,
        shaped,
        st.text(),
        st.binary().map(repr),
    )


# --------------------------------------------------------------------------------------
# Table names

# Pieces of class names: words, acronyms, version tags, lone letters and underscores.
_WORDS = "User HTTP Request V2 ID Id API Key OAuth IPv4 S3 Bucket xml a B _ __ 2 FA SSE iPhone"


def class_names() -> st.SearchStrategy[str]:
    """ASCII class names: mixed case, digits, underscores and runs of capitals."""
    names = st.one_of(
        st.lists(st.sampled_from(_WORDS.split()), min_size=1, max_size=4).map("".join),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
    )
    return names.filter(lambda name: name.isidentifier() and not keyword.iskeyword(name))


def any_names() -> st.SearchStrategy[str]:
    """Class names, and any text at all (non-ASCII letters, digits, symbols)."""
    return class_names() | st.text(max_size=12)


@dataclasses.dataclass(frozen=True)
class ClassShape:
    """One class of a model hierarchy; ``parent`` and ``mixins`` index earlier shapes.

    ``kind`` is ``"mixin"`` (a plain class), ``"abstract"`` or ``"model"``.
    ``tablename`` is ``"absent"``, ``"literal"`` (``literal``), ``"none"``,
    ``"declared_attr"`` or ``"directive"`` (``declared_attr.directive``).
    ``key`` is ``"own"`` (an ``id`` primary key), ``"foreign"`` (a primary key
    referencing the parent's table: joined inheritance) or ``"none"``.
    ``table`` gives the class an explicit ``__table__`` named ``literal``; ``schema``
    puts its table (or the pre-declared one, see :class:`Hierarchy`) in schema ``"s"``.
    """

    name: str
    kind: str
    parent: int | None
    mixins: tuple[int, ...]
    tablename: str
    literal: str
    key: str
    table: bool
    schema: bool


@dataclasses.dataclass(frozen=True)
class Hierarchy:
    """Classes defined in order on a ``db.Model`` of the given ``base`` style.

    ``tables`` are shapes whose generated table name is declared first as a
    ``db.Table`` (with an ``id`` key), as a reflected table would be.
    """

    base: str
    disable_autonaming: bool
    shapes: tuple[ClassShape, ...]
    tables: tuple[int, ...]


# Repeated entries weight sampled_from: the usual cases first, each odd one often enough.
_TABLENAMES = ("absent",) * 4 + ("literal",) * 3 + ("none", "declared_attr", "directive")
_KEYS = ("own",) * 4 + ("none",)


def _draw_parent(draw: st.DrawFn, parents: list[int]) -> int | None:
    # Mostly an earlier class, so that inheritance is the usual case.
    if not parents or draw(st.integers(0, 2)) == 0:
        return None
    return draw(st.sampled_from(parents))


@st.composite
def hierarchies(draw: st.DrawFn) -> Hierarchy:
    """A base style and one to six classes: mixins, abstract classes, models, inheritance."""
    names = draw(st.lists(class_names(), min_size=1, max_size=6, unique=True))
    literals = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
    shapes: list[ClassShape] = []
    for name in names:
        kind = draw(st.sampled_from(["model", "model", "abstract", "mixin"]))
        parents = [i for i, shape in enumerate(shapes) if shape.kind != "mixin"]
        mixins = [i for i, shape in enumerate(shapes) if shape.kind == "mixin"]
        in_model = kind != "mixin"
        parent = _draw_parent(draw, parents) if in_model else None
        # Below a model, joined (a foreign key) or single-table (no key) inheritance is
        # the usual case; elsewhere a class mostly brings its own key.
        below_model = parent is not None and shapes[parent].kind == "model"
        keys = ["foreign", "foreign", "none", "none", "own"] if below_model else _KEYS
        shapes.append(
            ClassShape(
                name=name,
                kind=kind,
                parent=parent,
                mixins=(
                    tuple(draw(st.lists(st.sampled_from(mixins), max_size=2, unique=True)))
                    if in_model and mixins
                    else ()
                ),
                tablename=draw(st.sampled_from(_TABLENAMES)),
                literal=draw(literals),
                key=draw(st.sampled_from(keys)),
                table=kind == "model" and draw(st.integers(0, 5)) == 0,
                schema=draw(st.integers(0, 5)) == 0,
            )
        )
    return Hierarchy(
        base=draw(st.sampled_from(["legacy", "declarative", "nometa"])),
        disable_autonaming=draw(st.integers(0, 5)) == 0,
        shapes=tuple(shapes),
        tables=tuple(draw(st.lists(st.sampled_from(range(len(shapes))), max_size=1))),
    )


# --------------------------------------------------------------------------------------
# 404 helpers


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One 404-helper call.

    ``helper`` is ``"get"``, ``"first"`` or ``"one"``; ``via`` is ``"db"`` (the
    ``db.*_or_404`` method), ``"function"`` (fss_compat's plain function, compared with
    the ``db`` method) or ``"query"`` (``Model.query``'s method). ``get`` looks up
    ``ident``, passing ``options`` on to ``session.get`` (except through ``Model.query``,
    whose method takes none); the others select rows matching ``where`` (see
    :func:`statement_filters`), the whole row or only its ``value`` column, ordered by
    key ascending or not.
    """

    helper: str
    via: str
    ident: object
    options: dict[str, object]
    where: tuple[str, object]
    column: bool
    descending: bool
    description: str | None


@dataclasses.dataclass(frozen=True)
class LookupScenario:
    """Stored rows ``(key, value)`` of a model with key shape ``"int"``, ``"str"`` or
    ``"composite"`` (``(int, str)``), and the lookups to run against them."""

    key_shape: str
    rows: tuple[tuple[object, int | None], ...]
    lookups: tuple[Lookup, ...]


def _keys(shape: str) -> st.SearchStrategy[object]:
    ints = st.integers(-3, 12)
    strs = st.text("abcXY 1", max_size=3)
    if shape == "int":
        return ints
    if shape == "str":
        return strs
    return st.tuples(ints, strs)


def identifiers(shape: str, stored: list[object]) -> st.SearchStrategy[object]:
    """Identities for ``session.get``: stored, absent, and of the wrong type or shape."""
    keys = _keys(shape)
    present = st.sampled_from(stored) if stored else keys
    wrong = st.one_of(
        st.none(),
        st.sampled_from(["1", "abc", 1.0, 1.5, True, b"1", "", ()]),
        keys.map(lambda key: [key]),
        keys.map(lambda key: (key, key)),
        keys.map(lambda key: {"id": key}),
    )
    if shape == "composite":
        return st.one_of(present, keys, wrong, present.flatmap(_composite_forms))
    return st.one_of(present, present, keys, wrong, present.map(lambda key: (key,)))


def _composite_forms(key: object) -> st.SearchStrategy[object]:
    # A stored (int, str) key in other spellings: swapped, as dicts, too short or long.
    first, second = t.cast("tuple[object, object]", key)
    return st.sampled_from(
        [
            (second, first),
            {"a": first, "b": second},
            {"b": second},
            (first,),
            [first, second],
            (first, second, None),
        ]
    )


def get_options() -> st.SearchStrategy[dict[str, object]]:
    """Keyword arguments ``get_or_404`` forwards to ``session.get``, one unknown."""
    return st.sampled_from(
        [{}, {}, {"populate_existing": True}, {"with_for_update": True}, {"unknown": 1}]
    )


def statement_filters(stored: list[object]) -> st.SearchStrategy[tuple[str, object]]:
    """``WHERE`` clauses as data: ``("all", None)``, ``("value", v)``, ``("keys", [k, ...])``."""
    keys = st.lists(st.sampled_from(stored), max_size=3, unique=True) if stored else st.just([])
    return st.one_of(
        st.just(("all", None)),
        st.tuples(st.just("value"), st.none() | st.integers(-3, 3)),
        st.tuples(st.just("keys"), keys.map(tuple)),
    )


@st.composite
def lookup_scenarios(draw: st.DrawFn) -> LookupScenario:
    """Zero to six stored rows and one to five lookups: present, absent, 0, 1 or many rows."""
    shape = draw(st.sampled_from(["int", "str", "composite"]))
    keys = draw(st.lists(_keys(shape), max_size=6, unique=True))
    values = st.none() | st.integers(-3, 3)
    rows = tuple((key, draw(values)) for key in keys)
    lookups = st.builds(
        Lookup,
        helper=st.sampled_from(["get", "first", "one"]),
        via=st.sampled_from(["db", "function", "query"]),
        ident=identifiers(shape, keys),
        options=get_options(),
        where=statement_filters(keys),
        column=st.booleans(),
        descending=st.booleans(),
        description=st.none() | st.text(max_size=8),
    )
    return LookupScenario(shape, rows, tuple(draw(st.lists(lookups, min_size=1, max_size=5))))


# --------------------------------------------------------------------------------------
# Bind routing


@dataclasses.dataclass(frozen=True)
class BindOperation:
    """One statement: ``kind`` on model or table number ``target`` with ``key`` / ``value``.

    On models: ``"add"`` (ORM add, commit), ``"bulk_insert"`` (ORM ``insert(Model)``,
    commit), ``"orm_update"`` (ORM ``update(Model)``, commit), ``"get"``
    (``session.get``), ``"select_model"``, ``"query_model"`` (``Model.query``),
    ``"count_model"`` (``select(func.count()).select_from(Model)``),
    ``"select_model_table"`` (Core ``select(Model.__table__)``) and ``"text"`` (a
    ``text()`` count of the model's table). On tables: ``"insert"`` and ``"update"``
    (Core, then commit) and ``"select_table"``.
    """

    kind: str
    target: int
    key: int
    value: int


@dataclasses.dataclass(frozen=True)
class BindLayout:
    """A base style, models, ``db.Table`` bind keys, and the operations to run.

    ``base`` is ``"legacy"`` (the default ``db.Model``), ``"declarative"`` or
    ``"nometa"``; ``base_keys`` is empty or the one ``__bind_key__`` set on that base.
    Each model is ``(bind key, how)``: the key set ``"direct"``ly, by an ``"abstract"``
    parent or by a ``"mixin"``, or ``"joined"``: no key of its own, a joined-table
    child of the model before it. The key ``"missing"`` is not configured.
    """

    base: str
    base_keys: tuple[str | None, ...]
    models: tuple[tuple[str | None, str], ...]
    tables: tuple[str | None, ...]
    operations: tuple[BindOperation, ...]


def bind_keys() -> st.SearchStrategy[str | None]:
    """The default bind, the configured ``"other"``, and now and then an unconfigured key."""
    return st.sampled_from([None, None, None, None, "other", "other", "other", "missing"])


_MODEL_KINDS = tuple(
    "add bulk_insert orm_update get select_model query_model"
    " count_model select_model_table text".split()
)
_TABLE_KINDS = ("insert", "update", "select_table")


@st.composite
def bind_layouts(draw: st.DrawFn) -> BindLayout:
    """One to three models and zero to two tables on random bind keys, and 1-8 statements."""
    hows = st.sampled_from(["direct", "abstract", "mixin", "joined"])
    models = draw(st.lists(st.tuples(bind_keys(), hows), min_size=1, max_size=3))
    if models[0][1] == "joined":
        models[0] = (models[0][0], "direct")
    tables = draw(st.lists(bind_keys(), max_size=2))
    kinds = _MODEL_KINDS + (_TABLE_KINDS if tables else ())
    operations = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(kinds))
        count = len(tables) if kind in _TABLE_KINDS else len(models)
        operations.append(
            BindOperation(
                kind=kind,
                target=draw(st.integers(0, count - 1)),
                key=draw(st.integers(1, 4)),
                value=draw(st.integers(0, 9)),
            )
        )
    return BindLayout(
        base=draw(st.sampled_from(["legacy", "declarative", "nometa"])),
        base_keys=tuple(draw(st.lists(bind_keys(), max_size=1))),
        models=tuple(models),
        tables=tuple(tables),
        operations=tuple(operations),
    )


# --------------------------------------------------------------------------------------
# Session lifecycle


def app_numbers() -> st.SearchStrategy[int]:
    """Which of the state machine's two apps: 0 (tracking and recording) or 1 (neither)."""
    return st.integers(0, 1)


def item_names() -> st.SearchStrategy[str]:
    """Short names for the session state machine's items."""
    return st.sampled_from(["a", "b", "c", "dd"])


def object_indices() -> st.SearchStrategy[int]:
    """Positions in a side's list of known objects, taken modulo its length."""
    return st.integers(0, 1000)


# --------------------------------------------------------------------------------------
# Read replicas

#: The kinds of statement the replica routing state machine runs, as the routing table in
#: docs/operations.md lists them.
READ_KINDS = ("select", "option-primary", "argument-primary", "for-update", "text")


def read_kinds() -> st.SearchStrategy[str]:
    """Kinds of statement that return rows: plain, forced to the primary, locking, text."""
    return st.sampled_from(READ_KINDS)


# --------------------------------------------------------------------------------------
# fss-compat migrate: which rules a run selects


@dataclasses.dataclass(frozen=True)
class RuleSelection:
    """The options of one ``fss-compat migrate`` run: ``--select``, ``--stage``, ``--unsafe``.

    ``select`` holds catalogue ids (``FSC201``) and rewrite keys (``FSC201.get``); ``None``
    (with ``stage`` ``None``) selects every rule.
    """

    select: frozenset[str] | None
    stage: int | None
    unsafe: bool


def rule_selections() -> st.SearchStrategy[RuleSelection]:
    """Every rule, one stage, or a subset of ids and rewrite keys; with or without unsafe."""
    from fss_compat import catalogue

    keys = sorted(
        {f.id for f in catalogue.CATALOGUE}
        | {f"{f.id}.{r.name}" for f in catalogue.CATALOGUE for r in f.rewrites}
    )
    stages = sorted({r.stage for f in catalogue.CATALOGUE for r in f.rewrites})
    subsets = st.frozensets(st.sampled_from(keys), min_size=1, max_size=6)
    return st.builds(
        RuleSelection,
        select=st.none() | subsets,
        stage=st.none() | st.sampled_from(stages),
        unsafe=st.booleans(),
    ).filter(lambda s: s.select is None or s.stage is None)


# --------------------------------------------------------------------------------------
# Codemod: how a module uses an attribute (FSC403's reading)

_USE_METHODS = ("filter_by", "order_by", "join", "options", "limit", "get", "select", "foo")
_USE_ENDS = ("all", "first", "count", "paginate", "first_or_404", "append", "remove", "extend")


@st.composite
def _use_expressions(draw: st.DrawFn) -> str:
    """``<receiver>.<attribute>`` with a chain of calls and attribute reads after it."""
    text = draw(st.sampled_from(("user", "self.user", "User", "f(x)", "users[0]")))
    text += "." + draw(st.sampled_from(("posts", "tags")))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(_USE_METHODS + _USE_ENDS))
        argument = draw(st.sampled_from(("", "x", "\n        x,\n    ")))
        text += f".{name}({argument})"
    if draw(st.booleans()):
        text += "." + draw(st.sampled_from(("id", "posts", "c")))
    return text


@st.composite
def attribute_uses(draw: st.DrawFn) -> str:
    """A module whose function uses ``posts`` and ``tags`` in generated statements."""
    lines = ["def view(user, users, x, f):", "    pass"]
    for expression in draw(st.lists(_use_expressions(), min_size=1, max_size=6)):
        form = draw(
            st.sampled_from(
                (
                    "    return {}",
                    "    y = {}",
                    "    y: int = {}",
                    "    {} = 1",
                    "    {} += 1",
                    "    del {}",
                    "    for p in {}:\n        pass",
                    "    z = [p for p in {}]",
                    "    g({})",
                    "    h = (\n        {}\n    )",
                    '    s = "see {}"',
                )
            )
        )
        if "(" in expression and form.endswith(("= 1", "+= 1", "del {}")):
            continue  # only names and attributes are assigned to or deleted
        if form.startswith('    s = "'):
            expression = expression.replace("\n", " ")
        lines.append(form.format(expression))
    return "\n".join(lines) + "\n"
