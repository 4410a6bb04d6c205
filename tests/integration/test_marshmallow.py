"""flask-marshmallow and marshmallow-sqlalchemy schemas loading through ``db.session``.

In process, with Flask-SQLAlchemy installed, each test runs on both implementations. In a
subprocess without Flask-SQLAlchemy, the tests show what flask-marshmallow needs there: the
alias (or ``pytest --fss-compat``) before it is imported.
"""

from __future__ import annotations

import json
import typing as t

import flask_marshmallow
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask_marshmallow import sqla
from sqlalchemy.orm import Mapped

from tests._support.blocked import Blocked
from tests._support.implementations import Impl
from tests._support.implementations import Variant


@pytest.fixture
def marshmallow(app: Flask, monkeypatch: pytest.MonkeyPatch) -> t.Callable[[], t.Any]:
    """Builds ``Marshmallow(app)`` when called, after ``db`` as flask-marshmallow requires.

    ``init_app`` stores ``db.session`` on flask-marshmallow's option classes, for the whole
    process; the old value is put back after the test.
    """
    for opts in (sqla.SQLAlchemySchemaOpts, sqla.SQLAlchemyAutoSchemaOpts):
        monkeypatch.setattr(opts, "session", opts.session)
    return lambda: flask_marshmallow.Marshmallow(app)


def test_flask_marshmallow_found_flask_sqlalchemy() -> None:
    """In the test process flask-marshmallow's SQLAlchemy integration is on (the baseline)."""
    assert flask_marshmallow.has_sqla


def test_auto_schema_creates_and_updates(
    db: t.Any, variant: Variant, app: Flask, marshmallow: t.Callable[[], t.Any]
) -> None:
    """``load_instance`` builds new models and updates the one in ``db.session`` by primary key."""
    ma = marshmallow()

    class Author(db.Model):
        id: Mapped[int] = variant.pk()
        name: Mapped[str] = variant.column(sa.String(50))

    class AuthorSchema(ma.SQLAlchemyAutoSchema):
        class Meta:
            model = Author
            load_instance = True

    assert AuthorSchema.opts.sqla_session is db.session
    with app.app_context():
        db.create_all()
        author = AuthorSchema().load({"name": "Ann"})
        assert isinstance(author, Author)
        # marshmallow-sqlalchemy builds the instance; adding it is the app's job, on both sides.
        assert author not in db.session
        db.session.add(author)
        db.session.commit()
        author_id = author.id
    with app.app_context():
        loaded = AuthorSchema().load({"id": author_id, "name": "Anne"})
        assert loaded is db.session.get(Author, author_id)
        assert orm.object_session(loaded) is db.session()
        assert loaded in db.session.dirty
        db.session.commit()
    with app.app_context():
        stored = db.session.get(Author, author_id)
        assert AuthorSchema().dump(stored) == {"id": author_id, "name": "Anne"}


def test_related_field_loads_through_db_session(
    impl: Impl, app: Flask, marshmallow: t.Callable[[], t.Any]
) -> None:
    """An ``auto_field`` on a relationship looks the given primary key up in ``db.session``."""
    db = impl.SQLAlchemy(app)
    ma = marshmallow()

    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False)

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(200), nullable=False)
        author_id = db.Column(db.ForeignKey("author.id"), nullable=False)
        author = db.relationship(Author)

    class BookSchema(ma.SQLAlchemySchema):
        class Meta:
            model = Book
            load_instance = True

        id = ma.auto_field(dump_only=True)
        title = ma.auto_field()
        author = ma.auto_field()

    assert BookSchema.opts.sqla_session is db.session
    with app.app_context():
        db.create_all()
        db.session.add(Author(id=7, name="Ann"))
        db.session.commit()
        book = BookSchema().load({"title": "Notes", "author": 7})
        assert book.author is db.session.get(Author, 7)
        db.session.add(book)
        db.session.commit()
    with app.app_context():
        [stored] = db.session.scalars(sa.select(Book)).all()
        assert BookSchema().dump(stored) == {"id": stored.id, "title": "Notes", "author": 7}


def test_without_flask_sqlalchemy_integration_is_off(blocked: Blocked) -> None:
    """Without Flask-SQLAlchemy and without the alias, ``ma`` has no SQLAlchemy schemas."""
    out = blocked.code(
        """
        import flask_marshmallow
        ma = flask_marshmallow.Marshmallow()
        print(flask_marshmallow.has_sqla, hasattr(ma, "SQLAlchemyAutoSchema"))
        """,
        alias=False,
    )
    assert out.split() == ["False", "False"]


def test_without_alias_plain_schema_with_session(blocked: Blocked) -> None:
    """Without the alias, marshmallow-sqlalchemy's own schema works given ``sqla_session``."""
    out = blocked.code(
        """
        from flask import Flask
        from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

        from fss_compat import SQLAlchemy

        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        db = SQLAlchemy(app)

        class Author(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(50), nullable=False)

        class AuthorSchema(SQLAlchemyAutoSchema):
            class Meta:
                model = Author
                load_instance = True
                sqla_session = db.session

        with app.app_context():
            db.create_all()
            db.session.add(AuthorSchema().load({"name": "Ann"}))
            db.session.commit()
        with app.app_context():
            author = AuthorSchema().load({"id": 1, "name": "Anne"})
            print(author is db.session.get(Author, 1), author in db.session.dirty)
            db.session.commit()
        with app.app_context():
            print(AuthorSchema().dump(db.session.get(Author, 1)))
        """,
        alias=False,
    )
    assert out.splitlines() == ["True True", "{'id': 1, 'name': 'Anne'}"]


_ROUND_TRIP = """
import json

import flask_marshmallow

from tests.integration import marshmallow_app as m

with m.app.app_context():
    m.db.create_all()
    author = m.AuthorSchema().load({"name": "Ann"})
    m.db.session.add(author)
    m.db.session.commit()
    book = m.BookSchema().load({"title": "Notes", "author": author.id})
    m.db.session.add(book)
    m.db.session.commit()
with m.app.app_context():
    updated = m.AuthorSchema().load({"id": 1, "name": "Anne"})
    same = updated is m.db.session.get(m.Author, 1)
    m.db.session.commit()
with m.app.app_context():
    print(json.dumps({
        "has_sqla": flask_marshmallow.has_sqla,
        "wired": m.AuthorSchema.opts.sqla_session is m.db.session,
        "updated_in_session": same,
        "authors": m.AuthorSchema(many=True).dump(m.db.session.scalars(m.db.select(m.Author))),
        "books": m.BookSchema(many=True).dump(m.db.session.scalars(m.db.select(m.Book))),
    }))
"""

_EXPECTED = {
    "has_sqla": True,
    "wired": True,
    "updated_in_session": True,
    "authors": [{"id": 1, "name": "Anne"}],
    "books": [{"id": 1, "title": "Notes", "author": 1}],
}


def test_alias_wires_db_session(blocked: Blocked) -> None:
    """With ``fss_compat.alias.install()`` first, the schemas load into fss_compat's session."""
    assert json.loads(blocked.code(_ROUND_TRIP, alias=True)) == _EXPECTED


def test_pytest_flag_wires_db_session(
    blocked: Blocked, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pytest --fss-compat`` serves the name before test modules import flask-marshmallow."""
    monkeypatch.setenv("PYTHONPATH", blocked.env()["PYTHONPATH"])
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    body = "\n".join(f"    {line}" for line in _ROUND_TRIP.strip().splitlines())
    pytester.makepyfile(
        test_schemas=f"def test_round_trip(capsys):\n{body}\n"
        f"    assert json.loads(capsys.readouterr().out) == {_EXPECTED!r}\n"
    )
    without = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    without.assert_outcomes(failed=1)
    without.stdout.fnmatch_lines(["*AttributeError*SQLAlchemyAutoSchema*"])
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat").assert_outcomes(
        passed=1
    )
