"""FSC101 db-names and FSC104 db-relationship: before and after, and what is left alone."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

import fss_compat
from fss_compat.codemod.engine import Status
from fss_compat.codemod.rules_names import FORWARDS
from fss_compat.codemod.rules_names import INSTANCE_ATTRIBUTES
from tests._support.codemod import Project
from tests._support.codemod import check

DB = '"""Models."""\n\nfrom fss_compat import SQLAlchemy\n\ndb = SQLAlchemy()\n'


def test_forwards_are_the_runtime_ones() -> None:
    """The names rewritten are exactly those a ``db`` object forwards, none it sets itself."""
    db = fss_compat.SQLAlchemy()
    assert not set(vars(db)) & set(FORWARDS)
    assert INSTANCE_ATTRIBUTES <= set(vars(db))
    assert FORWARDS["Column"] == "sqlalchemy" and FORWARDS["event"] == "sqlalchemy"
    assert FORWARDS["mapped_column"] == "sqlalchemy.orm"
    assert FORWARDS["backref"] == "sqlalchemy.orm"
    assert "relationship" not in FORWARDS and "session" not in FORWARDS


def test_db_names(project: Project) -> None:
    """``db.X`` becomes ``sa.X`` or ``orm.X``, in Flask-SQLAlchemy's lookup order, imports added."""
    before = DB + (
        "\n\nclass Tag(db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)  # the key\n"
        '    name = db.Column(db.String(50), db.ForeignKey("tag.id"))\n'
        "    ts: db.Mapped[int] = db.mapped_column(server_default=db.func.now())\n"
        "\n\nq = db.select(Tag).where(db.and_(Tag.id > 1, db.text('1')))\n"
        "listen = db.event.listens_for\nref = db.backref('tags')\n"
    )
    after = (
        '"""Models."""\n\nfrom fss_compat import SQLAlchemy\nimport sqlalchemy as sa\n'
        "import sqlalchemy.orm as orm\n\ndb = SQLAlchemy()\n"
        "\n\nclass Tag(db.Model):\n"
        "    id = sa.Column(sa.Integer, primary_key=True)  # the key\n"
        '    name = sa.Column(sa.String(50), sa.ForeignKey("tag.id"))\n'
        "    ts: orm.Mapped[int] = orm.mapped_column(server_default=sa.func.now())\n"
        "\n\nq = sa.select(Tag).where(sa.and_(Tag.id > 1, sa.text('1')))\n"
        "listen = sa.event.listens_for\nref = orm.backref('tags')\n"
    )
    project.write({"models.py": before})
    result = project.migrate(select="FSC101")
    check(project, result, "models.py", after)
    assert set(result.statuses("FSC101")) == {Status.FIX}


def test_db_names_reuse_imports_and_avoid_clashes(project: Project) -> None:
    """An existing ``import sqlalchemy`` is reused; a local ``sa`` makes the tool skip a site."""
    before = DB.replace('"""Models."""\n\n', '"""Models."""\n\nimport sqlalchemy\n') + (
        "\n\ndef f(sa):\n    return db.Integer\n\n\nx = db.String\n"
    )
    after = DB.replace('"""Models."""\n\n', '"""Models."""\n\nimport sqlalchemy\n') + (
        "\n\ndef f(sa):\n    return sqlalchemy.Integer\n\n\nx = sqlalchemy.String\n"
    )
    project.write({"models.py": before})
    check(project, project.migrate(select="FSC101"), "models.py", after)


def test_db_names_on_other_objects_are_a_no_op(project: Project) -> None:
    """``sa.Column``, and ``.Column`` on an object that is not a ``db``, are not sites."""
    source = "import sqlalchemy as sa\n\n\nclass Thing:\n    Column = 1\n\n\n"
    source += "x = sa.Column\ny = Thing.Column\n"
    project.write({"models.py": source})
    assert project.migrate(select="FSC101").findings == []


def test_relationship(project: Project) -> None:
    """A relationship that is not dynamic becomes ``orm.relationship``; dynamic ones get TODOs."""
    body = (
        "\n\nclass User(db.Model):\n    __tablename__ = 'user'\n"
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        "    posts = db.relationship('Post', backref='author')\n"
        "    tags = db.relation('Tag', lazy='select')\n"
        "    pages = db.relationship('Page', lazy='dynamic')\n"
        "    notes = db.relationship('Note', backref=db.backref('user', lazy='dynamic'))\n"
        "    links = db.relationship('Link', **options)\n"
    )
    header = DB.replace(
        "from fss_compat",
        "import sqlalchemy as sa\nimport sqlalchemy.orm as orm\n\nfrom fss_compat",
    )
    header += "\noptions = {}\n"
    project.write({"models.py": header + body})
    result = project.migrate(stage=3)
    source = project.read("models.py")
    assert "posts = orm.relationship('Post', backref='author')" in source
    assert "tags = orm.relationship('Tag', lazy='select')" in source
    assert "pages = db.relationship('Page', lazy='dynamic')" in source
    assert "notes = db.relationship('Note', backref=orm.backref('user', lazy='dynamic'))" in source
    assert "links = db.relationship('Link', **options)" in source
    assert result.statuses("FSC104.relationship") == [Status.FIX, Status.FIX, Status.BLOCKED]
    assert result.statuses("FSC104.dynamic") == [Status.MANUAL, Status.MANUAL]
    assert "TODO" not in source  # stage 3 only reports dynamic ones; stage 6 marks them
    project.migrate(stage=6)
    marked = project.read("models.py")
    assert marked.count("# TODO(fss FSC104)") == 2 and '"FSC104 db-relationship"' in marked
    compile(marked, "models.py", "exec")
    assert project.migrate(stage=6).sources.get("models.py", marked) == marked


def test_dynamic_collection_uses(project: Project) -> None:
    """FSA-only Query methods on a dynamic relationship's attribute are reported at stage 6."""
    models = DB + (
        "\n\nclass User(db.Model):\n    __tablename__ = 'user'\n"
        "    posts = db.relationship('Post', lazy='dynamic')\n"
    )
    views = "def f(user):\n    return user.posts.filter_by(x=1).paginate(page=1, per_page=5)\n"
    views += "\n\ndef g(user):\n    return user.items.paginate()\n"
    project.write({"models.py": models, "views.py": views})
    result = project.migrate(stage=6)
    assert [f.line for f in result.findings if f.key == "FSC104.dynamic-use"] == [2]
    assert "TODO(fss FSC104)" in project.read("views.py")


def test_db_table(project: Project) -> None:
    """``db.Table`` names ``db.metadata``; a MetaData already second stays; bind keys are manual."""
    before = DB.replace("from fss_compat", "import sqlalchemy as sa\n\nfrom fss_compat") + (
        "\ntags = db.Table(\n    'tags',\n    sa.Column('post_id', sa.ForeignKey('post.id')),\n)\n"
        "one = db.Table('one', db.Column('id', sa.Integer), sa.UniqueConstraint('id'))\n"
        "empty = db.Table('empty')\n"
        "given = db.Table('given', db.metadata, sa.Column('id', sa.Integer))\n"
        "fresh = db.Table('fresh', sa.MetaData(), sa.Column('id', sa.Integer))\n"
        "columns = [sa.Column('id', sa.Integer)]\n"
        "spread = db.Table('spread', *columns)\n"
        "unknown = db.Table('unknown', columns[0])\n"
        "audit = db.Table('audit', sa.Column('id', sa.Integer), bind_key='audit')\n"
        "plain = sa.Table('plain', db.metadata)\n"
    )
    after = DB.replace("from fss_compat", "import sqlalchemy as sa\n\nfrom fss_compat") + (
        "\ntags = sa.Table(\n    'tags',\n    db.metadata,\n"
        "    sa.Column('post_id', sa.ForeignKey('post.id')),\n)\n"
        "one = sa.Table('one', db.metadata, db.Column('id', sa.Integer),"
        " sa.UniqueConstraint('id'))\n"
        "empty = sa.Table('empty', db.metadata)\n"
        "given = sa.Table('given', db.metadata, sa.Column('id', sa.Integer))\n"
        "fresh = sa.Table('fresh', sa.MetaData(), sa.Column('id', sa.Integer))\n"
        "columns = [sa.Column('id', sa.Integer)]\n"
        "spread = db.Table('spread', *columns)\n"
        "unknown = db.Table('unknown', columns[0])\n"
        "# TODO(fss FSC102): 'db.Table(..., bind_key=...)' puts the table in a bind key's"
        ' MetaData; see "FSC102 db-table" in the guide.\n'
        "audit = db.Table('audit', sa.Column('id', sa.Integer), bind_key='audit')\n"
        "plain = sa.Table('plain', db.metadata)\n"
    )
    project.write({"models.py": before})
    result = project.migrate(select="FSC102")
    check(project, result, "models.py", after)
    assert result.statuses("FSC102.table") == [Status.FIX] * 5 + [Status.BLOCKED] * 2
    assert result.statuses("FSC102.bind-key") == [Status.MANUAL]


def test_db_table_builds_the_same_table() -> None:
    """The rewrite's table is the one ``db.Table`` builds: same MetaData, columns and SQL."""
    legacy_db, plain_db = fss_compat.SQLAlchemy(), fss_compat.SQLAlchemy()
    legacy = legacy_db.Table("tags", sa.Column("id", sa.Integer, primary_key=True))
    plain = sa.Table("tags", plain_db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    assert legacy.metadata is legacy_db.metadata and plain.metadata is plain_db.metadata
    assert str(CreateTable(legacy)) == str(CreateTable(plain))
    assert isinstance(legacy, sa.Table)
