"""FSC401 typed-relationships and FSC402 backref: before/after pairs, no-ops, differential.

Each case runs as LibCST's ``CodemodTest`` (the text and the warnings) and as a mapping
differential: the module before and the tool's output after are imported, and every
relationship must be the same (target, direction, ``uselist``, collection class, ``lazy``,
the other side, ``secondary``, query class, ...), with the same DDL.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from libcst.codemod import Codemod
from libcst.codemod import CodemodTest

from fss_compat.codemod.backrefs import BackPopulates
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.typed_relationships import TypedRelationships
from tests._support import schema_diff
from tests._support.typed import run
from tests._support.typed import schema_for

HEADER = """\
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as orm
from sqlalchemy.orm import Mapped

from fss_compat import SQLAlchemy

db = SQLAlchemy()

"""
PY310 = Target((3, 10))


@dataclasses.dataclass(frozen=True)
class Case:
    """A module before and after one rule (``after`` == ``before``: a no-op)."""

    id: str
    rule: type[Codemod]
    before: str
    after: str
    #: ``(attribute, reason)`` of each relationship reported.
    warnings: tuple[tuple[str, str], ...] = ()
    header: str = HEADER
    #: Whether the module maps (SQLAlchemy refuses some of the shapes the rules report).
    maps: bool = True

    def expected_warnings(self) -> list[str]:
        lines = (self.header + self.before).splitlines()
        rule = "FSC401" if self.rule is TypedRelationships else "FSC402"
        found = []
        for attribute, reason in self.warnings:
            line = next(
                n for n, text in enumerate(lines, 1) if text.startswith(f"    {attribute} =")
            )
            found.append(f"line {line}: {rule}: relationship '{attribute}' left: {reason}")
        return found


USERS = """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    posts = db.relationship("Post", back_populates="author", order_by="Post.id")
    notes = orm.relationship("Note", back_populates="user", collection_class=set)
    profile = orm.relationship("Profile", uselist=False)
    tags = orm.relationship("Tag", secondary="user_tag")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    author_id = sa.Column(sa.ForeignKey("user.id"), nullable=False)
    author = db.relationship("User", back_populates="posts")


class Note(db.Model):
    __tablename__ = "note"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey(User.id))
    user = orm.relationship(User, back_populates="notes")


class Profile(db.Model):
    __tablename__ = "profile"
    id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), primary_key=True)
    user = orm.relationship("User", overlaps="profile")


class Tag(db.Model):
    __tablename__ = "tag"
    id = sa.Column(sa.Integer, primary_key=True)


user_tag = sa.Table(
    "user_tag",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id"), primary_key=True),
)
"""

TYPED_USERS = """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    posts: Mapped[list[Post]] = db.relationship("Post", back_populates="author", order_by="Post.id")
    notes: Mapped[set[Note]] = orm.relationship("Note", back_populates="user", collection_class=set)
    profile: Mapped[Profile | None] = orm.relationship("Profile", uselist=False)
    tags: Mapped[list[Tag]] = orm.relationship("Tag", secondary="user_tag")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    author_id = sa.Column(sa.ForeignKey("user.id"), nullable=False)
    author: Mapped[User] = db.relationship("User", back_populates="posts")


class Note(db.Model):
    __tablename__ = "note"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey(User.id))
    user: Mapped[User | None] = orm.relationship(User, back_populates="notes")


class Profile(db.Model):
    __tablename__ = "profile"
    id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), primary_key=True)
    user: Mapped[User] = orm.relationship("User", overlaps="profile")


class Tag(db.Model):
    __tablename__ = "tag"
    id = sa.Column(sa.Integer, primary_key=True)


user_tag = sa.Table(
    "user_tag",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id"), primary_key=True),
)
"""

NODES = """
class Node(db.Model):
    __tablename__ = "node"
    id = sa.Column(sa.Integer, primary_key=True)
    parent_id = sa.Column(sa.ForeignKey("node.id"))
    parent = orm.relationship("Node", remote_side=[id], overlaps="kids")
    kids = orm.relationship("Node", lazy="write_only", overlaps="parent")
    first = orm.relationship("Node", primaryjoin="Node.id == Node.parent_id", viewonly=True)
    again: Mapped[Node] = orm.relationship("Node", remote_side=[id], viewonly=True)
    pages = orm.relationship("Page", lazy="dynamic")
    more = orm.relationship("Unknown")


class Page(db.Model):
    __tablename__ = "page"
    id = sa.Column(sa.Integer, primary_key=True)
    node_id = sa.Column(sa.ForeignKey("node.id"))


class Unknown(db.Model):
    __tablename__ = "unknown"
    id = sa.Column(sa.Integer, primary_key=True)
    node_id = sa.Column(sa.ForeignKey("node.id"))
"""

TYPED_NODES = """
class Node(db.Model):
    __tablename__ = "node"
    id = sa.Column(sa.Integer, primary_key=True)
    parent_id = sa.Column(sa.ForeignKey("node.id"))
    parent: Mapped[Node | None] = orm.relationship("Node", remote_side=[id], overlaps="kids")
    kids: orm.WriteOnlyMapped[Node] = orm.relationship("Node", lazy="write_only", overlaps="parent")
    first = orm.relationship("Node", primaryjoin="Node.id == Node.parent_id", viewonly=True)
    again: Mapped[Node] = orm.relationship("Node", remote_side=[id], viewonly=True)
    pages = orm.relationship("Page", lazy="dynamic")
    more: Mapped[list[Unknown]] = orm.relationship("Unknown")


class Page(db.Model):
    __tablename__ = "page"
    id = sa.Column(sa.Integer, primary_key=True)
    node_id = sa.Column(sa.ForeignKey("node.id"))


class Unknown(db.Model):
    __tablename__ = "unknown"
    id = sa.Column(sa.Integer, primary_key=True)
    node_id = sa.Column(sa.ForeignKey("node.id"))
"""

BACKREFS = """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    posts = db.relationship("Post", backref="author")
    profile = orm.relationship("Profile", backref=db.backref("user", uselist=False, lazy="joined"))
    tags = orm.relationship("Tag", secondary="user_tag", backref=orm.backref("users"))
    other = orm.relationship(
        "Post", primaryjoin="User.id == Post.author_id", backref="x", viewonly=True
    )


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    author_id = sa.Column(sa.ForeignKey("user.id"), nullable=False)


class Profile(db.Model):
    \"\"\"A user's profile.\"\"\"

    __tablename__ = "profile"
    id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), primary_key=True)

    def __repr__(self) -> str:
        return f"<Profile {self.id}>"


class Tag(db.Model):
    __tablename__ = "tag"
    id = sa.Column(sa.Integer, primary_key=True)


class Page(db.Model):
    __tablename__ = "page"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey("user.id"))
    user = db.relationship("User", backref=db.backref("pages", lazy="dynamic"))


class Node(db.Model):
    __tablename__ = "node"
    id = sa.Column(sa.Integer, primary_key=True)
    parent_id = sa.Column(sa.ForeignKey("node.id"))
    children = orm.relationship("Node", backref=orm.backref("parent", remote_side=[id]))


user_tag = sa.Table(
    "user_tag",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id"), primary_key=True),
)
"""

BACK_POPULATES = """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    posts = db.relationship("Post", back_populates="author")
    profile = orm.relationship("Profile", back_populates="user")
    tags = orm.relationship("Tag", secondary="user_tag", back_populates="users")
    other = orm.relationship(
        "Post", primaryjoin="User.id == Post.author_id", back_populates="x", viewonly=True
    )
    pages = db.relationship("Page", back_populates="user", lazy="dynamic")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    author_id = sa.Column(sa.ForeignKey("user.id"), nullable=False)
    author = orm.relationship("User", back_populates="posts")
    x = OTHER_SIDE


class Profile(db.Model):
    \"\"\"A user's profile.\"\"\"

    __tablename__ = "profile"
    id = sa.Column(sa.Integer, sa.ForeignKey("user.id"), primary_key=True)
    user = orm.relationship("User", back_populates="profile", uselist=False, lazy="joined")

    def __repr__(self) -> str:
        return f"<Profile {self.id}>"


class Tag(db.Model):
    __tablename__ = "tag"
    id = sa.Column(sa.Integer, primary_key=True)
    users = orm.relationship("User", back_populates="tags", secondary="user_tag")


class Page(db.Model):
    __tablename__ = "page"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey("user.id"))
    user = db.relationship("User", back_populates="pages")


class Node(db.Model):
    __tablename__ = "node"
    id = sa.Column(sa.Integer, primary_key=True)
    parent_id = sa.Column(sa.ForeignKey("node.id"))
    children = orm.relationship("Node", back_populates="parent")
    parent = orm.relationship("Node", back_populates="children", remote_side=[id])


user_tag = sa.Table(
    "user_tag",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tag.id"), primary_key=True),
)
""".replace(
    "OTHER_SIDE",
    'orm.relationship("User", back_populates="other", viewonly=True,'
    ' primaryjoin="User.id == Post.author_id")',
)

JOINS = """
class Person(db.Model):
    __tablename__ = "person"
    id = sa.Column(sa.Integer, primary_key=True)
    home_id = sa.Column(sa.ForeignKey("place.id"))
    work_id = sa.Column(sa.ForeignKey("place.id"))
    home = orm.relationship("Place", backref="residents", foreign_keys=[home_id])
    work = orm.relationship(
        "Place", backref=orm.backref("staff", lazy="select"), foreign_keys="Person.work_id"
    )
    visits = orm.relationship(
        "Visit", backref="person", primaryjoin="Person.id == foreign(Visit.person_id)"
    )
    stays = orm.relationship(
        "Visit",
        backref="guest",
        primaryjoin="Person.id == Visit.person_id",
        foreign_keys=lambda: [Visit.person_id],
        viewonly=True,
    )


class Place(db.Model):
    __tablename__ = "place"
    id = sa.Column(sa.Integer, primary_key=True)


class Visit(db.Model):
    __tablename__ = "visit"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer)
"""

JOINS_BACK_POPULATED = """
class Person(db.Model):
    __tablename__ = "person"
    id = sa.Column(sa.Integer, primary_key=True)
    home_id = sa.Column(sa.ForeignKey("place.id"))
    work_id = sa.Column(sa.ForeignKey("place.id"))
    home = orm.relationship("Place", back_populates="residents", foreign_keys=[home_id])
    work = orm.relationship(
        "Place", back_populates="staff", foreign_keys="Person.work_id"
    )
    visits = orm.relationship(
        "Visit", back_populates="person", primaryjoin="Person.id == foreign(Visit.person_id)"
    )
    stays = orm.relationship(
        "Visit",
        backref="guest",
        primaryjoin="Person.id == Visit.person_id",
        foreign_keys=lambda: [Visit.person_id],
        viewonly=True,
    )


class Place(db.Model):
    __tablename__ = "place"
    id = sa.Column(sa.Integer, primary_key=True)
    residents = RESIDENTS
    staff = STAFF


class Visit(db.Model):
    __tablename__ = "visit"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer)
    person = PERSON
"""
# The tool does not wrap the lines it writes: the long ones are spliced in.
JOINS_BACK_POPULATED = (
    JOINS_BACK_POPULATED.replace(
        "RESIDENTS",
        'orm.relationship("Person", back_populates="home", foreign_keys="[Person.home_id]")',
    )
    .replace(
        "STAFF",
        'orm.relationship("Person", back_populates="work", lazy="select",'
        ' foreign_keys="Person.work_id")',
    )
    .replace(
        "PERSON",
        'orm.relationship("Person", back_populates="visits",'
        ' primaryjoin="Person.id == foreign(Visit.person_id)")',
    )
)

JOINED = """
class Person(db.Model):
    __tablename__ = "person"
    id = sa.Column(sa.Integer, primary_key=True)
    home_id = sa.Column(sa.ForeignKey("place.id"))
    work_id = sa.Column(sa.ForeignKey("place.id"), nullable=False)
    home = orm.relationship("Place", back_populates="residents", foreign_keys=[home_id])
    work = orm.relationship("Place", back_populates="staff", foreign_keys="Person.work_id")
    visits = orm.relationship(
        "Visit", back_populates="person", primaryjoin="Person.id == foreign(Visit.person_id)"
    )
    stays = orm.relationship(
        "Visit",
        primaryjoin="Person.id == Visit.person_id",
        foreign_keys=lambda: [Visit.person_id],
        viewonly=True,
    )
    notes = orm.relationship(
        "Note", primaryjoin="Note.person_id == Person.id", back_populates="person"
    )


class Place(db.Model):
    __tablename__ = "place"
    id = sa.Column(sa.Integer, primary_key=True)
    residents = orm.relationship(
        "Person", back_populates="home", foreign_keys="[Person.home_id]"
    )
    staff = orm.relationship("Person", back_populates="work", foreign_keys="Person.work_id")


class Visit(db.Model):
    __tablename__ = "visit"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer)
    person = orm.relationship(
        "Person", back_populates="visits", primaryjoin="Person.id == foreign(Visit.person_id)"
    )


class Note(db.Model):
    __tablename__ = "note"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.ForeignKey("person.id"), nullable=False)
    person = orm.relationship(
        "Person", primaryjoin="Note.person_id == Person.id", back_populates="notes"
    )
"""
# The side of the columns foreign_keys= or a string primaryjoin= names decides.
TYPED_JOINED = (
    JOINED.replace("    home = ", "    home: Mapped[Place | None] = ")
    .replace("    work = ", "    work: Mapped[Place] = ")
    .replace("    visits = ", "    visits: Mapped[list[Visit]] = ")
    .replace("    notes = ", "    notes: Mapped[list[Note]] = ")
    .replace("    residents = ", "    residents: Mapped[list[Person]] = ")
    .replace("    staff = ", "    staff: Mapped[list[Person]] = ")
    .replace(
        '    person = orm.relationship(\n        "Person", back_populates="visits"',
        "    person: Mapped[Person | None] = orm.relationship(\n"
        '        "Person", back_populates="visits"',
    )
    .replace(
        '    person = orm.relationship(\n        "Person", primaryjoin',
        '    person: Mapped[Person] = orm.relationship(\n        "Person", primaryjoin',
    )
)

CLASH = """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    links = orm.relationship("Link", backref="user")


class Link(db.Model):
    __tablename__ = "link"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.ForeignKey("user.id"))
    user = sa.Column(sa.String(10))
"""

TYPED_BASE = """
class Base(orm.DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = orm.mapped_column(primary_key=True)
    books = orm.relationship("Book", back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = orm.mapped_column(primary_key=True)
    author_id: Mapped[int] = orm.mapped_column(sa.ForeignKey("author.id"))
    author = orm.relationship("Author", back_populates="books")
"""

CASES = [
    Case(
        "typed-on-a-shared-base",
        TypedRelationships,
        TYPED_BASE,
        TYPED_BASE.replace(
            '    books = orm.relationship("Book"',
            '    books: Mapped[list[Book]] = orm.relationship("Book"',
        ).replace(
            '    author = orm.relationship("Author"',
            '    author: Mapped[Author] = orm.relationship("Author"',
        ),
    ),
    Case("typed-directions", TypedRelationships, USERS, TYPED_USERS),
    Case(
        "typed-self-referential-and-no-ops",
        TypedRelationships,
        NODES,
        TYPED_NODES,
        warnings=(("first", "it has primaryjoin="),),
    ),
    Case(
        "typed-joins",
        TypedRelationships,
        JOINED,
        TYPED_JOINED,
        warnings=(("stays", "it has foreign_keys="),),
    ),
    Case(
        "backrefs",
        BackPopulates,
        BACKREFS,
        BACK_POPULATES,
    ),
    Case(
        "backref-joins",
        BackPopulates,
        JOINS,
        JOINS_BACK_POPULATED,
        warnings=(("stays", "the other side needs the reverse of its foreign_keys="),),
    ),
    Case(
        "backref-clash",
        BackPopulates,
        CLASH,
        CLASH,
        warnings=(("links", "'Link' already has an attribute 'user'"),),
        maps=False,
    ),
]


class _Test(CodemodTest):
    maxDiff = None


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_rewrite(case: Case) -> None:
    """The module becomes ``after``, with a warning per relationship left as it was."""
    before = case.header + case.before
    test = _Test()
    test.TRANSFORM = case.rule
    test.assertCodemod(
        before,
        case.header + case.after,
        schema=schema_for({"fsst": before}),
        module="fsst",
        target=PY310,
        expected_warnings=case.expected_warnings(),
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.maps], ids=[c.id for c in CASES if c.maps])
def test_mapping_unchanged(case: Case, tmp_path: Path) -> None:
    """Every relationship of the tool's output is what it was, and so is the DDL."""
    source = case.header + case.before
    new, _ = run(case.rule, {"models": source}, PY310)
    with schema_diff.load({"models": source}, tmp_path / "a") as before:
        with schema_diff.load(new, tmp_path / "b") as after:
            assert schema_diff.relationships(after) == schema_diff.relationships(before)
            assert schema_diff.ddl(after) == schema_diff.ddl(before)


def test_backref_to_another_module(tmp_path: Path) -> None:
    """The other side goes into the target's module; the mapping stays the same."""
    models = HEADER + (
        "class User(db.Model):\n"
        '    __tablename__ = "user"\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        '    posts = orm.relationship("Post", backref=orm.backref("author", lazy="joined"))\n'
    )
    posts = (
        "import sqlalchemy as sa\n\n"
        "from .models import db\n\n\n"
        "class Post(db.Model):\n"
        '    __tablename__ = "post"\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        '    author_id = sa.Column(sa.ForeignKey("user.id"))\n'
    )
    sources = {"models": models, "posts": posts}
    new, warnings = run(BackPopulates, sources, PY310)
    assert warnings == []
    assert 'posts = orm.relationship("Post", back_populates="author")\n' in new["models"]
    assert new["posts"] == (
        "import sqlalchemy as sa\n\n"
        "from .models import db\n"
        "from sqlalchemy.orm import relationship\n\n\n"
        "class Post(db.Model):\n"
        '    __tablename__ = "post"\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        '    author_id = sa.Column(sa.ForeignKey("user.id"))\n'
        '    author = relationship("User", back_populates="posts", lazy="joined")\n'
    )
    with schema_diff.load(sources, tmp_path / "a") as before:
        with schema_diff.load(new, tmp_path / "b") as after:
            assert schema_diff.relationships(after) == schema_diff.relationships(before)
