"""Extra help on an exception whose message must stay as Flask or Flask-SQLAlchemy word it.

Users' test suites assert on ``str(exc)``, so fss_compat raises upstream's type and message and
puts what it adds (the fix, an example) into a note, which tracebacks print below the message.
"""

from __future__ import annotations

import typing as t

_E = t.TypeVar("_E", bound=BaseException)


def with_note(exc: _E, note: str) -> _E:
    """Add ``note`` to ``exc`` and return it: ``raise with_note(RuntimeError(msg), help)``.

    On Python 3.10, which has no ``add_note``, the note is kept in ``__notes__`` as 3.11's
    ``add_note`` keeps it (the traceback shows it from 3.11 on).
    """
    add_note = getattr(exc, "add_note", None)
    if add_note is not None:
        add_note(note)
    else:
        notes: list[str] = exc.__dict__.setdefault("__notes__", [])
        notes.append(note)
    return exc
