"""The typed app also works at run time, so its type-checked pattern is real."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from tests.typing import typed_app


def test_typed_app_runs() -> None:
    """The typed pattern's models, session, helpers and pagination work."""
    app = typed_app.create_app()
    with app.app_context():
        typed_app.db.create_all()
        ada = typed_app.add_user("ada")
        typed_app.add_user("bob")
        typed_app.add_user("cy")
        assert typed_app.find(ada.id) is ada
        assert ada.notes[0].user is ada
        with pytest.raises(NotFound):
            typed_app.find(99)
        assert typed_app.names() == ["ada", "bob", "cy"]
        assert [u.name for u in typed_app.page(2).items] == ["cy"]
        assert typed_app.legacy_query().one() is ada
        assert issubclass(typed_app.db.Model, typed_app.Base)
        assert typed_app.note_tags.metadata is typed_app.db.metadata
        assert typed_app.audit_log.metadata is typed_app.db.metadatas["audit"]
    assert typed_app.plain_session_count() == 3
