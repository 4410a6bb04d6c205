"""Pagination's object API: page arithmetic, ``iter_pages``, ``prev()``/``next()``, iteration.

The arithmetic needs no database: each side's own ``Pagination`` is subclassed through the
hooks both implementations share (``_query_args``, ``_query_offset``, ``_query_items()``,
``_query_count()``) to page through a list.
"""

from __future__ import annotations

import inspect
import typing as t

import pytest
from werkzeug.exceptions import NotFound

from tests._support.implementations import Impl

_Row = t.Union[int, None]  # noqa: UP007 (runtime alias)


def _list_pagination(impl: Impl) -> type[t.Any]:
    # misc: the base class comes from a module chosen at run time, so it is Any.
    class ListPagination(impl.shim("pagination").Pagination):  # type: ignore[misc]
        def _query_items(self) -> list[int]:
            start = self._query_offset
            return list(self._query_args["rows"][start : start + self.per_page])

        def _query_count(self) -> int:
            return len(self._query_args["rows"])

    return ListPagination


def _page(impl: Impl, rows: int, **kwargs: t.Any) -> t.Any:
    return _list_pagination(impl)(rows=range(1, rows + 1), **kwargs)


def _pages_of_one(impl: Impl, pages: int, page: int) -> t.Any:
    return _page(impl, pages, page=page, per_page=1, error_out=False)


_ITER_PAGES_ARGS = ("left_edge", "left_current", "right_current", "right_edge")


@pytest.mark.parametrize(
    ("pages", "page", "kwargs", "expected"),
    [
        (0, 1, {}, []),
        (1, 1, {}, [1]),
        *[(5, page, {}, [1, 2, 3, 4, 5]) for page in range(1, 6)],
        (8, 1, {}, [1, 2, 3, 4, 5, None, 7, 8]),
        (10, 5, {}, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        (10, 10, {}, [1, 2, None, 8, 9, 10]),
        (20, 1, {}, [1, 2, 3, 4, 5, None, 19, 20]),
        (20, 5, {}, [1, 2, 3, 4, 5, 6, 7, 8, 9, None, 19, 20]),
        (20, 6, {}, [1, 2, None, 4, 5, 6, 7, 8, 9, 10, None, 19, 20]),
        (20, 7, {}, [1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20]),
        (20, 14, {}, [1, 2, None, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
        (20, 20, {}, [1, 2, None, 18, 19, 20]),
        (20, 25, {}, [1, 2, None]),
        (4, 6, {}, [1, 2, None, 4]),
        (20, 7, dict.fromkeys(_ITER_PAGES_ARGS, 0), [None, 7, None]),
        (20, 7, dict.fromkeys(_ITER_PAGES_ARGS, 1), [1, None, 6, 7, 8, None, 20]),
        (20, 1, {"left_edge": 0, "right_edge": 0}, [1, 2, 3, 4, 5, None]),
        (20, 7, {"left_edge": -1}, [None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20]),
    ],
)  # fmt: skip
def test_iter_pages_table(
    impl: Impl, pages: int, page: int, kwargs: dict[str, int], expected: list[_Row]
) -> None:
    """``iter_pages`` gives reference table 1.5.4's output for each pages/page/kwargs row."""
    assert list(_pages_of_one(impl, pages, page).iter_pages(**kwargs)) == expected


@pytest.mark.parametrize(
    ("pages", "page", "expected"),
    [
        (1000, 500, [1, 2, None, 498, 499, 500, 501, 502, 503, 504, None, 999, 1000]),
        (1000, 3, [1, 2, 3, 4, 5, 6, 7, None, 999, 1000]),
        (1000, 996, [1, 2, None, 994, 995, 996, 997, 998, 999, 1000]),
        (2, 1, [1, 2]),
        (3, 3, [1, 2, 3]),
    ],
)
def test_iter_pages_small_and_large(
    impl: Impl, pages: int, page: int, expected: list[_Row]
) -> None:
    """With default arguments ``iter_pages`` lists few pages whole and elides many."""
    assert list(_pages_of_one(impl, pages, page).iter_pages()) == expected


def test_iter_pages_arguments_are_keyword_only(impl: Impl) -> None:
    """``iter_pages`` takes its four arguments by keyword only."""
    with pytest.raises(TypeError):
        _pages_of_one(impl, 20, 7).iter_pages(2)


@pytest.mark.parametrize(
    ("rows", "page", "per_page", "expected"),
    [
        # (first, last, pages, has_prev, prev_num, has_next, next_num)
        (0, 1, 20, (0, 0, 0, False, None, False, None)),
        (1, 1, 20, (1, 1, 1, False, None, False, None)),
        (20, 1, 20, (1, 20, 1, False, None, False, None)),
        (21, 1, 20, (1, 20, 2, False, None, True, 2)),
        (21, 2, 20, (21, 21, 2, True, 1, False, None)),
        (250, 13, 20, (241, 250, 13, True, 12, False, None)),
        (250, 7, 20, (121, 140, 13, True, 6, True, 8)),
        (250, 100, 20, (0, 0, 13, True, 99, False, None)),
        (10, 4, 3, (10, 10, 4, True, 3, False, None)),
    ],
)
def test_page_numbers(
    impl: Impl, rows: int, page: int, per_page: int, expected: tuple[object, ...]
) -> None:
    """``first``, ``last``, ``pages`` and the prev/next numbers follow from total and page."""
    p = _page(impl, rows, page=page, per_page=per_page, error_out=False)
    assert (p.first, p.last, p.pages, p.has_prev, p.prev_num, p.has_next, p.next_num) == expected
    assert p.total == rows


def test_pages_use_float_division(impl: Impl) -> None:
    """``pages`` divides as floats, so a total past 2**53 rounds as Flask-SQLAlchemy's does."""
    p = _page(impl, 1, page=1, per_page=1)
    p.total = 2**53 + 1
    assert p.pages == 2**53


def test_count_false(impl: Impl) -> None:
    """With ``count=False``: total None, pages 0, never a next page, no ``iter_pages`` output."""
    p = _page(impl, 100, page=2, per_page=10, count=False)
    assert (p.total, p.pages, p.has_next, p.next_num, p.has_prev) == (None, 0, False, None, True)
    assert (p.first, p.last) == (11, 20)
    assert list(p.iter_pages()) == []


def test_total_is_assignable(impl: Impl) -> None:
    """Assigning ``total`` after ``count=False`` makes ``pages`` and ``has_next`` work."""
    p = _page(impl, 100, page=2, per_page=10, count=False)
    p.total = 100
    assert (p.pages, p.has_next, p.next_num) == (10, True, 3)


def test_iterates_items(impl: Impl) -> None:
    """Iterating a page yields its items, through a generator as Flask-SQLAlchemy's does."""
    p = _page(impl, 30, page=2, per_page=10)
    assert inspect.isgenerator(iter(p))
    assert list(p) == p.items == list(range(11, 21))


def test_no_len_getitem_repr_eq_or_bool(impl: Impl) -> None:
    """A page defines no len, indexing, repr or equality, and is truthy even when empty."""
    p = _page(impl, 0, page=1, per_page=10)
    with pytest.raises(TypeError):
        len(p)
    with pytest.raises(TypeError):
        p[0]
    assert bool(p) is True
    assert repr(p) == object.__repr__(p)
    assert p != _page(impl, 0, page=1, per_page=10)


def test_constructor_default_max_per_page(impl: Impl) -> None:
    """Built directly, a pagination caps ``per_page`` at 100 unless ``max_per_page`` is given."""
    p = _page(impl, 250, page=1, per_page=150)
    assert (p.per_page, p.max_per_page, len(p.items)) == (100, 100, 100)
    p = _page(impl, 250, page=1, per_page=150, max_per_page=None)
    assert (p.per_page, p.max_per_page, len(p.items)) == (150, None, 150)


def test_defaults_outside_request(impl: Impl) -> None:
    """Outside a request a missing page is 1 and a missing per_page is 20."""
    p = _page(impl, 50)
    assert (p.page, p.per_page, p.items) == (1, 20, list(range(1, 21)))


def test_base_class_has_no_queries(impl: Impl) -> None:
    """The base ``Pagination`` cannot query: building it raises NotImplementedError."""
    with pytest.raises(NotImplementedError):
        impl.shim("pagination").Pagination(page=1, per_page=10)


def test_prev_drops_max_per_page(impl: Impl) -> None:
    """``prev()`` does not pass ``max_per_page``, so the constructor's cap of 100 applies."""
    p = _page(impl, 300, page=2, per_page=150, max_per_page=None)
    prev = p.prev()
    assert type(prev) is type(p)
    assert (prev.page, prev.per_page, prev.max_per_page) == (1, 100, 100)
    assert prev.items == list(range(1, 101))


def test_prev_on_first_page(impl: Impl) -> None:
    """``prev()`` on page 1 queries page 1 again."""
    prev = _page(impl, 30, page=1, per_page=10).prev()
    assert (prev.page, prev.items) == (1, list(range(1, 11)))


def test_next_keeps_max_per_page(impl: Impl) -> None:
    """``next()`` passes ``per_page`` and ``max_per_page`` on."""
    p = _page(impl, 300, page=1, per_page=150, max_per_page=None)
    nxt = p.next()
    assert type(nxt) is type(p)
    assert (nxt.page, nxt.per_page, nxt.max_per_page) == (2, 150, None)
    assert nxt.items == list(range(151, 301))


def test_prev_next_copy_total(impl: Impl) -> None:
    """``prev()`` and ``next()`` copy ``total`` from their page instead of counting."""
    p = _page(impl, 30, page=2, per_page=10)
    p.total = 999
    assert (p.prev().total, p.next().total) == (999, 999)
    assert _page(impl, 30, page=2, per_page=10, count=False).next().total is None


def test_next_past_the_end(impl: Impl) -> None:
    """``next()`` past the last page is empty, or a 404 with ``error_out=True``."""
    last = _page(impl, 30, page=3, per_page=10)
    past = last.next()
    assert (past.page, past.items, past.first, past.last) == (4, [], 0, 0)
    with pytest.raises(NotFound):
        last.next(error_out=True)


def test_prev_error_out(impl: Impl) -> None:
    """``prev(error_out=True)`` on page 1 is a 404, as page 0 is."""
    with pytest.raises(NotFound):
        _page(impl, 30, page=1, per_page=10).prev(error_out=True)
