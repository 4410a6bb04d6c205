"""The catalogue: every legacy Flask-SQLAlchemy feature and migration rule, in one place.

Each entry has a stable id (``FSCnnn``), a name, its family, what it replaces, its
plain-SQLAlchemy replacement and, for the ``fss-compat`` tool, its rewrites with their
safety class and migration-guide stage. The runtime switches (:mod:`fss_compat.legacy`),
the scanner and codemods (``fss_compat.codemod``), the migration guide's section titles and
the documentation all use these ids.

An entry is written with keyword arguments only, one per line, so that entries added side
by side merge cleanly::

    Feature(
        id="FSC201",
        name="model-query",
        family=Family.QUERY,
        summary="Model.query and the legacy Query API",
        replacement="db.session.scalars(select(Model).where(...))",
        stage=5,
        rewrites=(
            Rewrite(
                name="get",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.get(1)",),
                after=("db.session.get(User, 1)",),
                why="Query.get() is Session.get(): the same identity-map lookup and SQL.",
            ),
        ),
    )

``runtime=False`` marks an entry no runtime switch can see (the tool finds it alone).
Nothing here runs at import but building the tuples: :mod:`fss_compat.legacy` loads this
module only when a mode or a report needs it.
"""

from __future__ import annotations

import dataclasses
import enum

__all__ = [
    "CATALOGUE",
    "FEATURES",
    "Family",
    "Feature",
    "Rewrite",
    "Safety",
    "get",
]


class Safety(str, enum.Enum):
    """How far the ``fss-compat migrate`` tool may go with one shape of a legacy feature."""

    #: Rewritten: the same results and the same SQL.
    SAFE = "safe"
    #: Rewritten when a condition the tool checks holds; otherwise left alone and reported.
    CONDITIONAL = "conditional"
    #: The same results in common cases only: rewritten only with ``--unsafe``.
    UNSAFE = "unsafe"
    #: Needs a person: reported, with a ``# TODO(fss FSCnnn): ...`` comment at the site.
    MANUAL = "manual"


class Family(str, enum.Enum):
    """The part of Flask-SQLAlchemy a feature belongs to; ids of a family share a hundred.

    .. versionadded:: 0.1.0
    """

    SETUP = "setup"
    NAMES = "db.* names"
    QUERY = "query API"
    MODELS = "models"
    RELATIONSHIPS = "relationships"
    SESSION = "session, engine and config"
    HELPERS = "helpers and extras"
    V2 = "Flask-SQLAlchemy 2.x"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rewrite:
    """One shape of a legacy feature in source code, and what the ``fss-compat`` tool does.

    :param name: short name, unique within its feature; ``FSC201.get`` names it in
        ``--select``.
    :param safety: what the tool may do with it.
    :param stage: the migration guide's stage whose ``migrate --stage N`` applies it.
    :param before: an example of the legacy code, one string per line.
    :param after: what the tool writes (for ``manual``: what to write by hand), one string
        per line.
    :param why: why the rewrite keeps behaviour, the condition it checks, or why it needs
        a person.

    .. versionadded:: 0.1.0
    """

    name: str
    safety: Safety
    stage: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    why: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Feature:
    """One legacy feature.

    :param id: stable id, ``FSCnnn``.
    :param name: stable short name, usable instead of the id.
    :param family: the part of Flask-SQLAlchemy it belongs to.
    :param summary: what the feature is.
    :param replacement: the plain-SQLAlchemy way to do the same, as a noun phrase ("Use
        <replacement> instead" reads well).
    :param stage: the migration guide's stage after which the feature is gone.
    :param runtime: whether a runtime switch (``FSS_LEGACY``) can see its uses; ``False``
        for what only the ``fss-compat`` tool finds (an import, the app's base class).
    :param rewrites: the shapes the ``fss-compat`` tool finds, each with its safety class.

    .. versionadded:: 0.1.0
    """

    id: str
    name: str
    family: Family
    summary: str
    replacement: str
    stage: int
    runtime: bool = True
    rewrites: tuple[Rewrite, ...] = ()

    @property
    def guide(self) -> str:
        """The title of this feature's section in ``migration_guide.md``."""
        return f"{self.id} {self.name}"

    def rewrite(self, name: str) -> Rewrite:
        """The rewrite called ``name``.

        :raises KeyError: with the known names, for an unknown one.
        """
        for rewrite in self.rewrites:
            if rewrite.name == name:
                return rewrite
        known = ", ".join(rewrite.name for rewrite in self.rewrites)
        raise KeyError(f"{self.id} has no rewrite {name!r}. Known: {known}.")


#: Every entry, ordered by id: runtime features and those only the tool sees.
CATALOGUE: tuple[Feature, ...] = (
    Feature(
        id="FSC001",
        name="import-swap",
        family=Family.SETUP,
        summary="imports from flask_sqlalchemy",
        replacement=(
            "from fss_compat import SQLAlchemy; flask_sqlalchemy.X becomes fss_compat.shims.X"
        ),
        stage=1,
        runtime=False,
        rewrites=(
            Rewrite(
                name="import",
                safety=Safety.SAFE,
                stage=1,
                before=(
                    "from flask_sqlalchemy import SQLAlchemy",
                    "from flask_sqlalchemy.model import Model",
                    "import flask_sqlalchemy",
                ),
                after=(
                    "from fss_compat import SQLAlchemy",
                    "from fss_compat.shims.model import Model",
                    "import fss_compat",
                ),
                why=(
                    "fss_compat reproduces Flask-SQLAlchemy 3.1, and each "
                    "flask_sqlalchemy.<module> has a fss_compat.shims.<module> with the same "
                    "public names; references through the module name are renamed too."
                ),
            ),
            Rewrite(
                name="unknown-name",
                safety=Safety.MANUAL,
                stage=1,
                before=("from flask_sqlalchemy import get_debug_queries",),
                after=("(no fss_compat equivalent: see the guide)",),
                why=(
                    "A name that Flask-SQLAlchemy 3.1 does not have (2.x API) or that fss_compat "
                    "does not provide."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC002",
        name="get-engine",
        family=Family.SETUP,
        summary="db.get_engine(...)",
        replacement="db.engine or db.engines[key]",
        stage=8,
        rewrites=(
            Rewrite(
                name="get-engine",
                safety=Safety.SAFE,
                stage=8,
                before=("db.get_engine()", 'db.get_engine("audit")'),
                after=("db.engine", 'db.engines["audit"]'),
                why=(
                    "get_engine(key) returns engines[key], and engines[None] is db.engine: the "
                    "same object, minus the DeprecationWarning."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC101",
        name="db-names",
        family=Family.NAMES,
        summary="SQLAlchemy names on the db object: db.Column, db.Integer, db.select, db.func, ...",
        replacement=(
            "import sqlalchemy as sa (and sqlalchemy.orm) and use sa.Column, sa.select, ..."
        ),
        stage=3,
        rewrites=(
            Rewrite(
                name="names",
                safety=Safety.SAFE,
                stage=3,
                before=(
                    "id = db.Column(db.Integer, db.ForeignKey('user.id'))",
                    "q = db.select(User)",
                    "db.event.listens_for(User, 'init')",
                    "rel = db.backref('posts')",
                ),
                after=(
                    "import sqlalchemy as sa",
                    "import sqlalchemy.orm as orm",
                    "",
                    "id = sa.Column(sa.Integer, sa.ForeignKey('user.id'))",
                    "q = sa.select(User)",
                    "sa.event.listens_for(User, 'init')",
                    "rel = orm.backref('posts')",
                ),
                why=(
                    "db forwards these names to the very same objects, looked up in sqlalchemy "
                    "first, then sqlalchemy.orm (db.event is sqlalchemy.event). The tool reuses an"
                    " existing import of the module, or adds 'import sqlalchemy as sa' / 'import "
                    "sqlalchemy.orm as orm' when those names are free. db.backref is "
                    "sqlalchemy.orm.backref itself: a dynamic backref gets Flask-SQLAlchemy's "
                    "Query from the db.relationship around it (FSC104), not from db.backref."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC102",
        name="db-table",
        family=Family.NAMES,
        summary="db.Table(name, *columns, bind_key=...), which picks the table's MetaData",
        replacement=(
            "sqlalchemy.Table(name, metadata, *columns) with the MetaData named (db.metadata, or "
            "the metadata of your base)"
        ),
        stage=3,
        rewrites=(
            Rewrite(
                name="table",
                safety=Safety.CONDITIONAL,
                stage=3,
                before=(
                    "tags = db.Table(",
                    "    'tags',",
                    "    sa.Column('post_id', sa.ForeignKey('post.id')),",
                    ")",
                ),
                after=(
                    "tags = sa.Table(",
                    "    'tags',",
                    "    db.metadata,",
                    "    sa.Column('post_id', sa.ForeignKey('post.id')),",
                    ")",
                ),
                why=(
                    "Without bind_key=, db.Table puts the table in db.metadata, the MetaData of "
                    "db.Model's tables; sa.Table with db.metadata second builds the same table in "
                    "the same MetaData (db.Table is a subclass of sqlalchemy.Table that adds only "
                    "that choice). When a MetaData is already second, only the callee changes. The"
                    " tool checks: no bind_key=, no *args or **kwargs, and a second argument it "
                    "recognises: a Column, a constraint, an Index, or a MetaData (a MetaData(...) "
                    "call, a name 'metadata' or an attribute '.metadata')."
                ),
            ),
            Rewrite(
                name="bind-key",
                safety=Safety.MANUAL,
                stage=7,
                before=(
                    "audit = db.Table('audit', sa.Column('id', sa.Integer), bind_key='audit')",
                ),
                after=(
                    "audit = sa.Table('audit', AuditBase.metadata, sa.Column('id', sa.Integer))",
                ),
                why=(
                    "The table belongs in the MetaData of its database, and which one that is gets"
                    " decided with the bind keys (FSC304, stage 7)."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC104",
        name="db-relationship",
        family=Family.NAMES,
        summary="db.relationship / db.backref / db.dynamic_loader adding the legacy query_class",
        replacement=(
            "sqlalchemy.orm.relationship (with lazy='write_only' instead of lazy='dynamic')"
        ),
        stage=6,
        rewrites=(
            Rewrite(
                name="relationship",
                safety=Safety.CONDITIONAL,
                stage=3,
                before=("author = db.relationship('User', back_populates='posts')",),
                after=("author = orm.relationship('User', back_populates='posts')",),
                why=(
                    "db.relationship only adds query_class=Query, which matters for dynamic "
                    "loading alone. Rewritten when the tool sees that neither lazy= nor a "
                    "backref's lazy= is 'dynamic' (literal values, no **kwargs); otherwise left "
                    "for stage 6."
                ),
            ),
            Rewrite(
                name="dynamic",
                safety=Safety.MANUAL,
                stage=6,
                before=("posts = db.relationship('Post', lazy='dynamic')",),
                after=("posts: orm.WriteOnlyMapped['Post'] = orm.relationship()",),
                why=(
                    "A dynamic collection is a Flask-SQLAlchemy Query (paginate, first_or_404, "
                    "...); a plain relationship's is not, and a write-only one changes every use "
                    "site. Also db.dynamic_loader."
                ),
            ),
            Rewrite(
                name="dynamic-use",
                safety=Safety.MANUAL,
                stage=6,
                before=("user.posts.order_by(Post.id).paginate(per_page=5)",),
                after=(
                    (
                        "db.paginate(sa.select(Post).where(orm.with_parent(user, User.posts))"
                        ".order_by(Post.id), per_page=5)"
                    ),
                ),
                why=(
                    "Flask-SQLAlchemy Query methods (paginate, first_or_404, one_or_404, "
                    "get_or_404) called on an attribute named like a dynamic relationship of a "
                    "scanned model: these calls break when the relationship changes. Found by "
                    "attribute name, since the tool does not infer the type of 'user'."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC201",
        name="model-query",
        family=Family.QUERY,
        summary="Model.query and the legacy Query API",
        replacement="db.session.scalars(select(Model).where(...)) and db.session.get(Model, id)",
        stage=5,
        rewrites=(
            Rewrite(
                name="get",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.get(1)",),
                after=("db.session.get(User, 1)",),
                why=(
                    "Query.get() is Session.get(): the same identity-map lookup and SQL, without "
                    "SQLAlchemy's LegacyAPIWarning."
                ),
            ),
            Rewrite(
                name="get-or-404",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.get_or_404(1, description='No user')",),
                after=("db.get_or_404(User, 1, description='No user')",),
                why=(
                    "Both call Session.get() and abort(404, description=...) when it is None. The "
                    "same rewrites apply to db.session.query(User) chains that end in one of "
                    "Flask-SQLAlchemy's own methods (get_or_404, first_or_404, one_or_404, "
                    "paginate), which a plain session's Query lacks; its other chains are plain "
                    "SQLAlchemy and are left alone."
                ),
            ),
            Rewrite(
                name="first",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.filter_by(name='ann').first()",),
                after=(
                    "db.session.scalars(sa.select(User).filter_by(name='ann').limit(1)).first()",
                ),
                why=(
                    "Query.first() sends LIMIT 1; .limit(1) keeps it (never scalar_one_or_none(), "
                    "which raises for two rows). filter, filter_by, where, order_by, group_by, "
                    "having, limit, offset and distinct exist on Select with the same meaning."
                ),
            ),
            Rewrite(
                name="all",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.filter(User.id > 1).order_by(User.id).all()",),
                after=(
                    (
                        "db.session.scalars(sa.select(User).filter(User.id > 1)"
                        ".order_by(User.id)).all()"
                    ),
                ),
                why=(
                    "The same SELECT; scalars() returns the entities as Query did. Also .one() and"
                    " .one_or_none(), which raise the same NoResultFound / MultipleResultsFound."
                ),
            ),
            Rewrite(
                name="join-unique",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.join(User.posts).filter(Post.live).all()",),
                after=(
                    (
                        "db.session.scalars(sa.select(User).join(User.posts).filter(Post.live)).unique().all("
                        ")"
                    ),
                ),
                why=(
                    "The legacy Query de-duplicates entities and scalars() does not: after a join "
                    "to a collection the 2.x form returns one row per post, and .one() raises. "
                    ".unique() (by identity) restores Query's result, for join, outerjoin and "
                    "options() (required for joinedload of a collection)."
                ),
            ),
            Rewrite(
                name="first-or-404",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.filter_by(name=n).first_or_404()",),
                after=("db.first_or_404(sa.select(User).filter_by(name=n).limit(1))",),
                why=(
                    "db.first_or_404 takes the first row's entity and aborts with 404 on None; "
                    ".limit(1) keeps Query.first()'s SQL. Not with options(), whose joined eager "
                    "loads need unique()."
                ),
            ),
            Rewrite(
                name="one-or-404",
                safety=Safety.CONDITIONAL,
                stage=5,
                before=("User.query.filter_by(email=e).one_or_404()",),
                after=("db.one_or_404(sa.select(User).filter_by(email=e))",),
                why=(
                    "db.one_or_404 cannot de-duplicate, so the chain must have no join, outerjoin "
                    "or options(); the tool checks that."
                ),
            ),
            Rewrite(
                name="paginate",
                safety=Safety.SAFE,
                stage=5,
                before=("Post.query.order_by(Post.id).paginate(page=2, per_page=20)",),
                after=("db.paginate(sa.select(Post).order_by(Post.id), page=2, per_page=20)",),
                why=(
                    "The same keyword arguments and request defaults; both count through a "
                    "subquery and return de-duplicated entities (SelectPagination uses unique())."
                ),
            ),
            Rewrite(
                name="count",
                safety=Safety.SAFE,
                stage=5,
                before=("User.query.filter(User.active).count()",),
                after=(
                    (
                        "db.session.scalar(sa.select(sa.func.count()).select_from(sa.select(User).filter(User.active).subquery())"
                        ")"
                    ),
                ),
                why=(
                    "Query.count() counts a subquery; this form sends the same SQL, so joins, "
                    "distinct, limit and group_by count the same."
                ),
            ),
            Rewrite(
                name="count-short",
                safety=Safety.UNSAFE,
                stage=5,
                before=("User.query.filter(User.active).count()",),
                after=(
                    (
                        "db.session.scalar(sa.select(sa.func.count()).select_from(User).filter(User.active)"
                        ")"
                    ),
                ),
                why=(
                    "Shorter, without the subquery, so the SQL changes; the number is the same for"
                    " a chain of filter, filter_by and where only (the only chains the tool offers"
                    " it for). Replaces 'count' under --unsafe."
                ),
            ),
            Rewrite(
                name="local-builder",
                safety=Safety.CONDITIONAL,
                stage=5,
                before=(
                    "def _visible(q):",
                    "    return q.filter_by(hidden=False)",
                    "",
                    "q = _visible(Post.query)",
                    "if tag:",
                    "    q = q.filter_by(tag=tag)",
                    "posts = q.order_by(Post.id).all()",
                ),
                after=(
                    "def _visible(q):",
                    "    return q.filter_by(hidden=False)",
                    "",
                    "q = _visible(sa.select(Post))",
                    "if tag:",
                    "    q = q.filter_by(tag=tag)",
                    "posts = db.session.scalars(q.order_by(Post.id)).all()",
                ),
                why=(
                    "The query is built in one place and run in another within its module. The "
                    "tool follows the value with LibCST's scope analysis through a function's "
                    "local names, the returns of the module's functions and their parameters, "
                    "and rewrites both ends: select() where it is built, the forms above where "
                    "it runs (a for loop over it becomes db.session.scalars(q)), with unique() "
                    "at every run when any path joins, outerjoins or sets options(). Condition: "
                    "every use is one of those, and no other scanned module calls a function it"
                    " goes through; otherwise the site is a 'builder'."
                ),
            ),
            Rewrite(
                name="builder",
                safety=Safety.MANUAL,
                stage=5,
                before=(
                    "self.recent = Post.query.order_by(Post.id.desc())",
                    "...",
                    "posts = self.recent.all()",
                ),
                after=(
                    "self.recent = sa.select(Post).order_by(Post.id.desc())",
                    "...",
                    "posts = db.session.scalars(self.recent).all()",
                ),
                why=(
                    "The value escapes where the tool cannot follow it: stored on an object or "
                    "in a module-level name, passed to a function that is not one of the "
                    "module's own plain functions, returned from a method or from a function "
                    "the module never calls, used by another module (it crosses modules), or "
                    "used in a way no rewrite proves (a method with no Select form, a test of "
                    "its truth). The finding names the place."
                ),
            ),
            Rewrite(
                name="rows",
                safety=Safety.CONDITIONAL,
                stage=5,
                before=("User.query.with_entities(User.id, User.name).all()",),
                after=(
                    "db.session.execute(sa.select(User).with_only_columns(User.id, User.name))"
                    ".all()",
                ),
                why=(
                    "with_entities() sets the columns as Select.with_only_columns() does, and"
                    " add_entity() / add_columns() append one as Select.add_columns(); the"
                    " Query then returns rows, as session.execute() does (all, first with"
                    " LIMIT 1, one, one_or_none; count as above). Blocked when one thing is left"
                    " selected that may be an entity (the Query returns it, not a row) or with"
                    " options(), whose eager-loaded collections the Query de-duplicates."
                ),
            ),
            Rewrite(
                name="delete",
                safety=Safety.CONDITIONAL,
                stage=5,
                before=("n = User.query.filter_by(active=False).delete()",),
                after=("n = db.session.execute(sa.delete(User).filter_by(active=False)).rowcount",),
                why=(
                    "Query.delete() runs delete(Model) with the query's criteria through"
                    " session.execute and returns the rowcount: the same SQL and the same"
                    " synchronize_session (passed as an execution option). Only for chains of"
                    " filter, filter_by and where, and when no code names after_bulk_delete or"
                    " before_compile_delete, legacy events only Query.delete() fires. A call whose"
                    " count is not used drops .rowcount."
                ),
            ),
            Rewrite(
                name="update",
                safety=Safety.CONDITIONAL,
                stage=5,
                before=("n = User.query.filter(User.id == 1).update({User.visits: 0})",),
                after=(
                    "n = db.session.execute(sa.update(User).filter(User.id == 1)"
                    ".values({User.visits: 0})).rowcount",
                ),
                why=(
                    "Query.update(values) runs update(Model).values(values) with the query's"
                    " criteria, as Query.delete() does: the same conditions (and"
                    " after_bulk_update, before_compile_update)."
                ),
            ),
            Rewrite(
                name="unsupported",
                safety=Safety.MANUAL,
                stage=5,
                before=("User.query.with_entities(User.id).all()", "User.query.active()"),
                after=("db.session.execute(sa.select(User.id)).all()",),
                why=(
                    "Methods with no 1:1 Select form (from_self, yield_per, subquery, ...),"
                    " Query methods called with unusual arguments (delete() after a join), and"
                    " models with a custom query_class, whose methods are the app's own."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC301",
        name="auto-tablename",
        family=Family.MODELS,
        summary="__tablename__ generated from the class name",
        replacement="an explicit __tablename__ = '...' on each model",
        stage=4,
        rewrites=(
            Rewrite(
                name="runtime",
                safety=Safety.CONDITIONAL,
                stage=4,
                before=(
                    "class BlogPost(db.Model):",
                    "    id = sa.Column(sa.Integer, primary_key=True)",
                ),
                after=(
                    "class BlogPost(db.Model):",
                    "    __tablename__ = 'blog_post'",
                    "    id = sa.Column(sa.Integer, primary_key=True)",
                ),
                why=(
                    "With --app, the tool imports the app and writes the name of the table each "
                    "model's mapper actually has. Skipped: single-table-inheritance children (no "
                    "table of their own), names from a mixin or declared_attr, abstract classes "
                    "and classes with __table__."
                ),
            ),
            Rewrite(
                name="static",
                safety=Safety.UNSAFE,
                stage=4,
                before=(
                    "class HTTPLog(db.Model):",
                    "    id = sa.Column(sa.Integer, primary_key=True)",
                ),
                after=(
                    "class HTTPLog(db.Model):",
                    "    __tablename__ = 'http_log'",
                    "    id = sa.Column(sa.Integer, primary_key=True)",
                ),
                why=(
                    "Without --app: Flask-SQLAlchemy 3's camel_to_snake_case of the class name, "
                    "for classes whose own body declares a primary key. Mixins outside the scanned"
                    " code and names from Flask-SQLAlchemy 2.x's other rule are not seen."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC303",
        name="model-base",
        family=Family.MODELS,
        summary="models that subclass db.Model",
        replacement="models that subclass the app's own DeclarativeBase",
        stage=9,
        runtime=False,
        rewrites=(
            Rewrite(
                name="base",
                safety=Safety.CONDITIONAL,
                stage=9,
                before=(
                    "db = SQLAlchemy(model_class=Base)",
                    "",
                    "class Tag(db.Model):",
                    "    __tablename__ = 'tag'",
                ),
                after=(
                    "db = SQLAlchemy(model_class=Base)",
                    "",
                    "class Tag(Base):",
                    "    __tablename__ = 'tag'",
                ),
                why=(
                    "db.Model and the model_class share one registry and metadata, so models can "
                    "move one at a time. The tool checks: db's model_class is a DeclarativeBase "
                    "subclass in the scanned code; the model has its own __tablename__ or "
                    "__table__, no __bind_key__, no query_class, no subclasses, and no .query use "
                    "left anywhere in the scanned code. Without a __repr__ of its own the model"
                    " loses the '<Tag 1>' repr."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC304",
        name="bind-key",
        family=Family.MODELS,
        summary="__bind_key__ routing models to SQLALCHEMY_BINDS engines",
        replacement="a declarative base per database and sessionmaker(binds={Base: engine, ...})",
        stage=7,
        rewrites=(
            Rewrite(
                name="base",
                safety=Safety.CONDITIONAL,
                stage=7,
                before=(
                    "class AuditEntry(db.Model):",
                    "    __tablename__ = 'audit_entry'",
                    "    __bind_key__ = 'audit'",
                ),
                after=(
                    "class AuditBase(orm.DeclarativeBase):",
                    "    metadata = sa.MetaData(info={'bind_key': 'audit'})",
                    "",
                    "db.metadatas['audit'] = AuditBase.metadata",
                    "",
                    "class AuditEntry(AuditBase):",
                    "    __tablename__ = 'audit_entry'",
                ),
                why=(
                    "The session routes a table by its metadata's info['bind_key'] and"
                    " db.create_all() creates every metadata in db.metadatas, on Flask-SQLAlchemy"
                    " as on fss_compat. Rewritten when the tool sees the db, the key is a string"
                    " literal, and every model of the key (in one module) derives directly from"
                    " db.Model with an explicit __tablename__, no relationship, no subclass and"
                    " no use of Model.query; otherwise the TODO of bind-key."
                ),
            ),
            Rewrite(
                name="bind-key",
                safety=Safety.MANUAL,
                stage=7,
                before=("class AuditEntry(db.Model):", "    __bind_key__ = 'audit'"),
                after=(
                    "class AuditBase(orm.DeclarativeBase):",
                    "    metadata = sa.MetaData(info={'bind_key': 'audit'})",
                    "",
                    "class AuditEntry(AuditBase): ...",
                ),
                why="A new base per database and its table creation are a change of architecture.",
            ),
        ),
    ),
    Feature(
        id="FSC305",
        name="typed-columns",
        family=Family.MODELS,
        summary="model columns declared with db.Column / sa.Column, untyped",
        replacement="typed columns: name: Mapped[T] = mapped_column(...), nullability kept",
        stage=9,
        runtime=False,
        rewrites=(
            Rewrite(
                name="column",
                safety=Safety.CONDITIONAL,
                stage=9,
                before=(
                    "class User(db.Model):",
                    "    id = db.Column(db.Integer, primary_key=True)",
                    "    name = db.Column(db.String(80), nullable=False)",
                    "    bio = db.Column(db.Text)",
                ),
                after=(
                    "class User(db.Model):",
                    "    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)",
                    "    name: Mapped[str] = mapped_column(db.String(80))",
                    "    bio: Mapped[str | None] = mapped_column(db.Text)",
                ),
                why=(
                    "The schema does not move: the annotation is Optional (or '| None' when the"
                    " project targets Python 3.10+) exactly when the column was nullable, since"
                    " mapped_column() takes NOT NULL from a non-Optional annotation; primary"
                    " keys stay NOT NULL. Every argument is kept, the type included. Rewritten"
                    " when the tool can tell the Python type of the values: SQLAlchemy's types"
                    " (JSON and PickleType as Any), sa.Enum of a Python enum, a foreign key to a"
                    " column it sees, a TypeDecorator with a process_result_value() return"
                    " annotation. Other columns are left as they are and reported."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC401",
        name="typed-relationships",
        family=Family.RELATIONSHIPS,
        summary="relationships declared without a Mapped[...] annotation",
        replacement="posts: Mapped[list['Post']] = relationship(...), author: Mapped['User'] = ...",
        stage=9,
        runtime=False,
        rewrites=(
            Rewrite(
                name="relationship",
                safety=Safety.CONDITIONAL,
                stage=9,
                before=(
                    "class User(db.Model):",
                    "    posts = db.relationship('Post', order_by='Post.id')",
                ),
                after=(
                    "class User(db.Model):",
                    "    posts: Mapped[list['Post']] = db.relationship('Post', order_by='Post.id')",
                ),
                why=(
                    "SQLAlchemy reads the annotation: a collection type makes a collection, a"
                    " class a scalar (one-to-one). So the annotation says what the relationship"
                    " is now: uselist= when given, else its direction from the foreign keys the"
                    " tool sees (or the columns foreign_keys= or a two-column primaryjoin="
                    " string names), and collection_class= list or set. Reported: other join"
                    " conditions without uselist=, a target class it cannot find. Dynamic"
                    " ones are FSC403's."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC402",
        name="backref",
        family=Family.RELATIONSHIPS,
        summary="relationship(..., backref=...), which adds an attribute to the other class",
        replacement="back_populates= on both classes, each side declared where it is used",
        stage=6,
        rewrites=(
            Rewrite(
                name="back-populates",
                safety=Safety.CONDITIONAL,
                stage=6,
                before=(
                    "class User(db.Model):",
                    "    posts = db.relationship('Post', backref='author')",
                ),
                after=(
                    "class User(db.Model):",
                    "    posts = db.relationship('Post', back_populates='author')",
                    "",
                    "class Post(db.Model):",
                    "    ...",
                    "    author = orm.relationship('User', back_populates='posts')",
                ),
                why=(
                    "The other class gets the relationship the backref made: the backref()'s"
                    " arguments, and the ones SQLAlchemy copies from this side (secondary,"
                    " post_update, passive_deletes, viewonly, sync_backref) and, without"
                    " secondary, primaryjoin= and foreign_keys= (a string as it is, columns of"
                    " the class as a string naming it). Reported: remote_side=, an expression"
                    " primaryjoin=, join conditions with a secondary, a name the other class"
                    " already has, an argument that is not a literal and cannot move to the"
                    " other class."
                ),
            ),
            Rewrite(
                name="other-side",
                safety=Safety.CONDITIONAL,
                stage=6,
                before=("class Post(db.Model):", "    ..."),
                after=(
                    "class Post(db.Model):",
                    "    ...",
                    "    author = orm.relationship('User', back_populates='posts')",
                ),
                why=(
                    "The class a backref= adds an attribute to gets that relationship declared"
                    " in its body, when the back-populates rewrite of the other class is made."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC403",
        name="dynamic-relationship",
        family=Family.RELATIONSHIPS,
        summary="relationship(..., lazy='dynamic'): a collection that is a Query",
        replacement="posts: WriteOnlyMapped['Post'] = relationship() and select() for the queries",
        stage=6,
        rewrites=(
            Rewrite(
                name="write-only",
                safety=Safety.CONDITIONAL,
                stage=6,
                before=(
                    "posts = db.relationship('Post', lazy='dynamic')",
                    "user.posts.filter_by(live=True).first()",
                    "user.posts.count()",
                    "user.posts.order_by(Post.id).paginate(per_page=5)",
                    "for post in user.posts: ...",
                    "user.posts.append(post)",
                ),
                after=(
                    "posts: WriteOnlyMapped['Post'] = db.relationship('Post')",
                    "db.session.scalars(user.posts.select().filter_by(live=True).limit(1)).first()",
                    "db.session.scalar(sa.select(sa.func.count())"
                    ".select_from(user.posts.select().subquery()))",
                    "db.paginate(user.posts.select().order_by(Post.id), per_page=5)",
                    "for post in db.session.scalars(user.posts.select()): ...",
                    "user.posts.add(post)",
                ),
                why=(
                    "The same SQL: first() keeps LIMIT 1, count() its subquery, a join gets"
                    " unique(). All or nothing per attribute name (the tool finds uses by"
                    " name): one use it cannot prove leaves the relationship dynamic and is"
                    " reported: a value passed on or returned, len(), a query built in one place"
                    " and run in another, a use in a module that does not import the model, a"
                    " string that mentions '.posts', another class with an attribute of that"
                    " name."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC601",
        name="db-404-helpers",
        family=Family.HELPERS,
        summary="db.get_or_404, db.first_or_404, db.one_or_404 and db.paginate on the db object",
        replacement=(
            "fss_compat.get_or_404(db.session, ...), fss_compat.paginate(db.session, ...) and"
            " friends, or your own helpers"
        ),
        stage=8,
        rewrites=(
            Rewrite(
                name="helpers",
                safety=Safety.SAFE,
                stage=8,
                before=("post = db.get_or_404(Post, post_id, description='No post')",),
                after=(
                    "from fss_compat import get_or_404",
                    "",
                    "post = get_or_404(db.session, Post, post_id, description='No post')",
                ),
                why=(
                    "The db methods call these functions with db.session; the other arguments are "
                    "the same. Also first_or_404 and one_or_404."
                ),
            ),
            Rewrite(
                name="paginate",
                safety=Safety.CONDITIONAL,
                stage=8,
                before=("page = db.paginate(sa.select(Post), page=n, per_page=20)",),
                after=(
                    "from fss_compat import paginate",
                    "",
                    "page = paginate(db.session, sa.select(Post), page=n, per_page=20)",
                ),
                why=(
                    "fss_compat.paginate is db.paginate on a given session that never reads the "
                    "request. Rewritten when page= and per_page= are both given and neither is "
                    "None; otherwise the page numbers come from the request (FSC605)."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC602",
        name="recorded-queries",
        family=Family.HELPERS,
        summary="SQLALCHEMY_RECORD_QUERIES and get_recorded_queries()",
        replacement="a sqlalchemy.event listener on 'after_cursor_execute'",
        stage=8,
        rewrites=(
            Rewrite(
                name="recorded-queries",
                safety=Safety.MANUAL,
                stage=8,
                before=(
                    "app.config['SQLALCHEMY_RECORD_QUERIES'] = True",
                    "get_recorded_queries()",
                ),
                after=(
                    "@sa.event.listens_for(engine, 'after_cursor_execute')",
                    "def record(...): ...",
                ),
                why="A recorder of your own has other fields and lifetime.",
            ),
        ),
    ),
    Feature(
        id="FSC603",
        name="track-modifications",
        family=Family.HELPERS,
        summary="SQLALCHEMY_TRACK_MODIFICATIONS and the models_committed signals",
        replacement="session events: before_flush, after_commit, after_rollback",
        stage=8,
        rewrites=(
            Rewrite(
                name="track-modifications",
                safety=Safety.MANUAL,
                stage=8,
                before=(
                    "app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = True",
                    "models_committed.connect(on_commit)",
                ),
                after=(
                    "@sa.event.listens_for(Session, 'after_commit')",
                    "def on_commit(session): ...",
                ),
                why="Session events have another timing and payload than the signals.",
            ),
        ),
    ),
    Feature(
        id="FSC605",
        name="paginate-request-args",
        family=Family.HELPERS,
        summary="db.paginate / Query.paginate reading page and per_page from the request",
        replacement=(
            "fss_compat.paginate(session, select, page=page_from_request(), per_page=...):"
            " the view says where its numbers come from, parsed as db.paginate parses them"
        ),
        stage=8,
        rewrites=(
            Rewrite(
                name="from-request",
                safety=Safety.CONDITIONAL,
                stage=8,
                before=("page = db.paginate(sa.select(Post), per_page=5)",),
                after=(
                    "from fss_compat import page_from_request",
                    "",
                    "page = db.paginate(sa.select(Post), page=page_from_request(), per_page=5)",
                ),
                why=(
                    "page_from_request() and per_page_from_request() parse ?page= and ?per_page="
                    " as db.paginate does (int(), 404 for a bad number, the same defaults and cap),"
                    " so the page is the same; FSC601 then moves the call off db. Rewritten when"
                    " error_out= and max_per_page= are names or literals (the rewrite passes them"
                    " to the helpers too) and the call passes no *args or **kwargs."
                ),
            ),
            Rewrite(
                name="request-args",
                safety=Safety.MANUAL,
                stage=8,
                before=("page = Post.query.paginate(per_page=5)  # left as a Query chain",),
                after=(
                    "page = paginate(db.session, sa.select(Post), page=page_from_request(),"
                    " per_page=5)",
                ),
                why=(
                    "A query chain the tool does not rewrite (a custom query class, a 2.x chain"
                    " it cannot read): once it is a select, the numbers are passed as above. A"
                    " chain the tool rewrites becomes db.paginate, and the rewrite above follows."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC700",
        name="v2-imports",
        family=Family.V2,
        summary=(
            "names only Flask-SQLAlchemy 2.x's flask_sqlalchemy package has (BaseQuery, "
            "models_committed, Model at the top level, SignallingSession, get_debug_queries, "
            "get_state, FSADeprecationWarning, the _compat and utils modules)"
        ),
        replacement=(
            "their 3.x homes: flask_sqlalchemy.query.Query, flask_sqlalchemy.track_modifications, "
            "flask_sqlalchemy.model, ..."
        ),
        stage=-1,
        runtime=False,
        rewrites=(
            Rewrite(
                name="rename",
                safety=Safety.SAFE,
                stage=-1,
                before=("from flask_sqlalchemy import BaseQuery, Model, models_committed",),
                after=(
                    "from flask_sqlalchemy.model import Model",
                    "from flask_sqlalchemy.query import Query as BaseQuery",
                    "from flask_sqlalchemy.track_modifications import models_committed",
                ),
                why=(
                    "With the switch to the 3.1 level: the same classes and signals live in these "
                    "modules there."
                ),
            ),
            Rewrite(
                name="gone",
                safety=Safety.MANUAL,
                stage=-1,
                before=(
                    "from flask_sqlalchemy import SignallingSession, get_debug_queries, get_state",
                    "from flask_sqlalchemy._compat import string_types",
                ),
                after=("(see FSC707, FSC704 and FSC703)", "string_types = (str,)"),
                why=(
                    "Names whose 3.x replacement behaves differently (each has its own feature), "
                    "2.x's private names, and its _compat and utils modules. An import of "
                    "get_state whose every use FSC703 rewrites goes with those uses."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC701",
        name="paginate-positional",
        family=Family.V2,
        summary="Query.paginate(page, per_page, error_out, max_per_page) with positional arguments",
        replacement=(
            "the same arguments by keyword: paginate(page=..., per_page=..., error_out=...)"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="keywords",
                safety=Safety.SAFE,
                stage=-1,
                before=("posts = Post.query.paginate(page, 20, False)",),
                after=("posts = Post.query.paginate(page=page, per_page=20, error_out=False)",),
                why=(
                    "2.x's paginate takes the four arguments in this order; by keyword they mean "
                    "the same at the 2.5 level, and 3.x accepts them only by keyword. Left for a "
                    "person: a literal per_page of 0, an empty page in 2.x and a 404 in 3.x."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC702",
        name="pagination-v2",
        family=Family.V2,
        summary=(
            "2.x's Pagination: built by hand as Pagination(query, page, per_page, total, items), "
            "its .query, prev(error_out) / next(error_out) and iter_pages() by position"
        ),
        replacement=(
            "pages from Query.paginate or db.paginate; prev(error_out=...) and iter_pages(...) by "
            "keyword, with 3.x's right_current one less than 2.x's"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="prev-next",
                safety=Safety.SAFE,
                stage=-1,
                before=("older = page.next(False)",),
                after=("older = page.next(error_out=False)",),
                why=(
                    "The one argument of 2.x's prev() and next() is error_out; by keyword it means"
                    " the same at both levels."
                ),
            ),
            Rewrite(
                name="iter-pages",
                safety=Safety.UNSAFE,
                stage=-1,
                before=("numbers = page.iter_pages(1, 1, 3, 1)",),
                after=(
                    "numbers = page.iter_pages(left_edge=1, left_current=1, right_current=2, "
                    "right_edge=1)",
                ),
                why=(
                    "With the switch: 3.x's right_current does not count the current page, so it "
                    "is one less for the same window; near the edges 3.x's walk adds or drops a "
                    "gap (None) where 2.x's did not, in about one case in six (measured)."
                ),
            ),
            Rewrite(
                name="page-query",
                safety=Safety.MANUAL,
                stage=-1,
                before=("more = page.query.filter(Post.pinned)",),
                after=("more = query.filter(Post.pinned)  # the query paginate() was called on",),
                why="3.x's page keeps the query it ran private: keep your own reference to it.",
            ),
            Rewrite(
                name="construct",
                safety=Safety.MANUAL,
                stage=-1,
                before=("page = Pagination(None, 1, 20, total, items)",),
                after=(
                    "(3.x builds a Pagination by running its queries: subclass it, see the guide)",
                ),
                why=(
                    "3.x's constructor queries; a page of numbers known already needs a subclass "
                    "of fss_compat.Pagination whose _query_items() and _query_count() return them."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC703",
        name="extension-state",
        family=Family.V2,
        summary=(
            "app.extensions['sqlalchemy'] as 2.x's state object (.db, .connectors) and "
            "get_state(app)"
        ),
        replacement=(
            "app.extensions['sqlalchemy'], which is the db itself in 3.x (or import your db)"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="state-db",
                safety=Safety.SAFE,
                stage=-1,
                before=("db = app.extensions['sqlalchemy'].db", "db = get_state(app).db"),
                after=(
                    "db = app.extensions['sqlalchemy']",
                    "db = app.extensions['sqlalchemy']",
                ),
                why=(
                    "With the switch to the 3.1 level: there the entry is the db, so .db of the "
                    "state and the entry are the same object."
                ),
            ),
            Rewrite(
                name="state",
                safety=Safety.MANUAL,
                stage=-1,
                before=("state = get_state(app)", "engines = state.connectors"),
                after=("db = app.extensions['sqlalchemy']", "engines = db.engines"),
                why="3.x keeps no state object: the entry is the db, whose engines are db.engines.",
            ),
        ),
    ),
    Feature(
        id="FSC704",
        name="debug-queries",
        family=Family.V2,
        summary=(
            "get_debug_queries() and 2.x's recording rules (on in debug and testing mode when "
            "SQLALCHEMY_RECORD_QUERIES is unset)"
        ),
        replacement=(
            "SQLALCHEMY_RECORD_QUERIES = True and "
            "flask_sqlalchemy.record_queries.get_recorded_queries() (its records name the caller "
            ".location, not .context)"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="recorded-queries",
                safety=Safety.MANUAL,
                stage=-1,
                before=(
                    "for query in get_debug_queries():",
                    "    log(query.duration, query.context)",
                ),
                after=(
                    "for query in get_recorded_queries():",
                    "    log(query.duration, query.location)",
                ),
                why=(
                    "The records are dataclasses, not tuples, their caller field has another name,"
                    " and recording needs SQLALCHEMY_RECORD_QUERIES = True in every mode."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC705",
        name="app-bound-session",
        family=Family.V2,
        summary=(
            "db.session, Model.query and db.engine used outside an app context through the app "
            "given to SQLAlchemy(app); 2.x's session scoped per thread, not per app context"
        ),
        replacement="an app context (with app.app_context(): ...), or db.sessionmaker() in scripts",
        stage=-1,
        rewrites=(
            Rewrite(
                name="app-context",
                safety=Safety.MANUAL,
                stage=-1,
                before=("db = SQLAlchemy(app)", "User.query.all()"),
                after=(
                    "db = SQLAlchemy(app)",
                    "with app.app_context():",
                    "    User.query.all()",
                ),
                why=(
                    "Where the context starts and ends is the app's decision: at import, in a "
                    "script, a worker or a test fixture. In 3.x nested app contexts also get a "
                    "session each, where 2.x shared one per thread."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC706",
        name="engine-api-v2",
        family=Family.V2,
        summary=(
            "2.x's engine API: get_engine(app, bind), get_app(), get_binds(), "
            "get_tables_for_bind(), make_connector(), and overriding create_engine / "
            "apply_driver_hacks / apply_pool_defaults"
        ),
        replacement=(
            "db.engines[key] and db.metadatas[key].tables; SQLALCHEMY_ENGINE_OPTIONS or the "
            "engine_options argument instead of overrides"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="get-engine-app",
                safety=Safety.CONDITIONAL,
                stage=-1,
                before=("engine = db.get_engine(app, bind='audit')",),
                after=("with app.app_context():", "    engine = db.engines['audit']"),
                why=(
                    "In the app's context db.engines is that app's, at both levels. The tool "
                    "checks that the call is where its statement's value starts (an assignment, "
                    "a return, an expression such as db.get_engine(app).dispose()), so nothing "
                    "else runs in the context, and that the app is a name it can repeat."
                ),
            ),
            Rewrite(
                name="get-engine",
                safety=Safety.UNSAFE,
                stage=-1,
                before=("connect(db.get_engine(app, bind='audit'))",),
                after=("connect(db.engines['audit'])",),
                why=(
                    "Where the call is inside a larger expression: db.engines is the current "
                    "app's (or, at the 2.5 level, SQLAlchemy(app)'s), the same engine only when "
                    "the app passed is that one."
                ),
            ),
            Rewrite(
                name="engine-calls",
                safety=Safety.MANUAL,
                stage=-1,
                before=("tables = db.get_tables_for_bind('audit')",),
                after=("tables = list(db.metadatas['audit'].tables.values())",),
                why=(
                    "get_app, get_binds, get_tables_for_bind, make_connector and the driver and "
                    "pool hooks have no 3.x method: what each gave is in db.engines and "
                    "db.metadatas, or the app's config."
                ),
            ),
            Rewrite(
                name="hooks",
                safety=Safety.MANUAL,
                stage=-1,
                before=(
                    "class DB(SQLAlchemy):",
                    "    def apply_driver_hacks(self, app, url, options): ...",
                ),
                after=("db = SQLAlchemy(engine_options={...})",),
                why=(
                    "3.x makes engines at init_app from options only; what an override computed "
                    "must become options."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC707",
        name="session-hooks-v2",
        family=Family.V2,
        summary=(
            "2.x's session and model hooks: SignallingSession subclasses (get_bind routing), "
            "create_scoped_session(), create_session(), make_declarative_base()"
        ),
        replacement=(
            "a subclass of flask_sqlalchemy.session.Session passed as session_options={'class_': "
            "...}, and model_class="
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="session-class",
                safety=Safety.MANUAL,
                stage=-1,
                before=(
                    "class RoutingSession(SignallingSession):",
                    "    def get_bind(self, mapper=None, clause=None): ...",
                ),
                after=(
                    "class RoutingSession(Session):",
                    "    def get_bind(self, mapper=None, clause=None, **kwargs): ...",
                    "",
                    "db = SQLAlchemy(session_options={'class_': RoutingSession})",
                ),
                why=(
                    "3.x's Session routes by the metadata's bind key and reads the engines of the "
                    "current app; its constructor and get_bind differ from SignallingSession's."
                ),
            ),
            Rewrite(
                name="hooks",
                safety=Safety.MANUAL,
                stage=-1,
                before=(
                    "class DB(SQLAlchemy):",
                    "    def create_session(self, options): ...",
                ),
                after=("db = SQLAlchemy(session_options={...}, model_class=...)",),
                why=(
                    "3.x has no create_session, create_scoped_session or make_declarative_base to "
                    "override or call: what they made is set with session_options and model_class."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC708",
        name="commit-on-teardown",
        family=Family.V2,
        summary=(
            "SQLALCHEMY_COMMIT_ON_TEARDOWN: commit the session when a request ends without error"
        ),
        replacement="db.session.commit() where the view's work is done",
        stage=-1,
        rewrites=(
            Rewrite(
                name="commit",
                safety=Safety.MANUAL,
                stage=-1,
                before=("app.config['SQLALCHEMY_COMMIT_ON_TEARDOWN'] = True",),
                after=("db.session.commit()  # at the end of each view that writes",),
                why="Which views write, and where their work ends, is the app's knowledge.",
            ),
        ),
    ),
    Feature(
        id="FSC709",
        name="engine-config-v2",
        family=Family.V2,
        summary=(
            "2.x's engine config: SQLALCHEMY_POOL_SIZE, _POOL_TIMEOUT, _POOL_RECYCLE, "
            "_MAX_OVERFLOW, SQLALCHEMY_NATIVE_UNICODE, use_native_unicode=, and engine_options= "
            "overriding SQLALCHEMY_ENGINE_OPTIONS"
        ),
        replacement=(
            "SQLALCHEMY_ENGINE_OPTIONS = {'pool_size': ..., ...}; in 3.x the constructor's "
            "engine_options are defaults that the config overrides"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="engine-options",
                safety=Safety.MANUAL,
                stage=-1,
                before=("app.config['SQLALCHEMY_POOL_SIZE'] = 10",),
                after=("app.config['SQLALCHEMY_ENGINE_OPTIONS'] = {'pool_size': 10}",),
                why=(
                    "The keys may be set in several places (config files, the environment), and "
                    "merging them into one dict is the app's choice."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC710",
        name="tablename-v2",
        family=Family.V2,
        summary=(
            "a table name generated by 2.x's rule where 3.x's rule gives another (Test3D: 'test3D'"
            " in 2.x, 'test3_d' in 3.x)"
        ),
        replacement="an explicit __tablename__ with the 2.x name",
        stage=-1,
        rewrites=(
            Rewrite(
                name="tablename",
                safety=Safety.SAFE,
                stage=-1,
                before=(
                    "class Test3D(db.Model):",
                    "    id = db.Column(db.Integer, primary_key=True)",
                ),
                after=(
                    "class Test3D(db.Model):",
                    "    __tablename__ = 'test3D'",
                    "    id = db.Column(db.Integer, primary_key=True)",
                ),
                why=(
                    "The name written is the one 2.x generated, so the table stays the same at "
                    "both levels. Only for classes whose own body declares a primary key and whose"
                    " two names differ."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC711",
        name="driver-defaults-v2",
        family=Family.V2,
        summary=(
            "2.x's driver defaults that 3.x changed: relative SQLite paths from app.root_path "
            "(3.x: app.instance_path) and MySQL charset=utf8 (3.x: utf8mb4)"
        ),
        replacement=(
            "an absolute SQLite path (or the file moved to the instance folder) and an explicit "
            "MySQL charset in the URL"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="database-url",
                safety=Safety.MANUAL,
                stage=-1,
                before=("app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///app.db'",),
                after=(
                    "app.config['SQLALCHEMY_DATABASE_URI'] = f'sqlite:///{app.root_path}/app.db'",
                ),
                why="Where the file lives (and whether to move it) is a deployment decision.",
            ),
        ),
    ),
    Feature(
        id="FSC712",
        name="config-defaults-v2",
        family=Family.V2,
        summary=(
            "2.x's config defaults: no database URI means in-memory SQLite, and "
            "SQLALCHEMY_TRACK_MODIFICATIONS unset means on"
        ),
        replacement=(
            "set SQLALCHEMY_DATABASE_URI (3.x raises without it) and "
            "SQLALCHEMY_TRACK_MODIFICATIONS (3.x: off unless True)"
        ),
        stage=-1,
        rewrites=(
            Rewrite(
                name="config",
                safety=Safety.MANUAL,
                stage=-1,
                before=("db = SQLAlchemy(app)",),
                after=(
                    "app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False",
                    "db = SQLAlchemy(app)",
                ),
                why="Whether the app needs the models_committed signals is its own decision.",
            ),
        ),
    ),
    Feature(
        id="FSC713",
        name="bind-key-info",
        family=Family.V2,
        summary=(
            "2.x's one metadata for every bind, with __bind_key__ recorded in"
            " Table.info['bind_key']"
        ),
        replacement="3.x's db.metadatas[key] per bind key, whose info['bind_key'] names it",
        stage=-1,
        rewrites=(
            Rewrite(
                name="table-info",
                safety=Safety.MANUAL,
                stage=-1,
                before=("key = table.info.get('bind_key')", "tables = db.metadata.tables"),
                after=(
                    "key = table.metadata.info.get('bind_key')",
                    "tables = {n: t for m in db.metadatas.values() for n, t in m.tables.items()}",
                ),
                why=(
                    "Code that reads the tables (Alembic's env.py of 2.x's multi-database "
                    "template, schema tools) must look in every bind's metadata."
                ),
            ),
            Rewrite(
                name="model",
                safety=Safety.MANUAL,
                stage=-1,
                before=("class Log(db.Model):", "    __bind_key__ = 'audit'"),
                after=("(unchanged: its table moves from db.metadata to db.metadatas['audit'])",),
                why=(
                    "At the 2.5 level the model's table is in db.metadata, marked in its info; at "
                    "3.1 it is in its bind key's metadata. The model is where the runtime sees it: "
                    "check the code that reads db.metadata or table.info."
                ),
            ),
        ),
    ),
    Feature(
        id="FSC714",
        name="create-all-app",
        family=Family.V2,
        summary="create_all / drop_all / reflect with 2.x's app= argument or bind= keyword",
        replacement="create_all(bind_key=...) inside with app.app_context():",
        stage=-1,
        rewrites=(
            Rewrite(
                name="bind-key",
                safety=Safety.SAFE,
                stage=-1,
                before=("db.create_all(bind='audit')",),
                after=("db.create_all(bind_key='audit')",),
                why="bind was 2.x's name of bind_key; the 2.5 level accepts both.",
            ),
            Rewrite(
                name="app",
                safety=Safety.CONDITIONAL,
                stage=-1,
                before=("db.create_all(app=app)",),
                after=("with app.app_context():", "    db.create_all()"),
                why=(
                    "The same app is used when the call is a statement of its own; the tool checks"
                    " that."
                ),
            ),
        ),
    ),
)

#: The entries with a runtime switch: the ids :func:`fss_compat.legacy.check` takes.
FEATURES: tuple[Feature, ...] = tuple(feature for feature in CATALOGUE if feature.runtime)

_BY_KEY: dict[str, Feature] = {f.id: f for f in CATALOGUE} | {f.name: f for f in CATALOGUE}


def get(key: str) -> Feature:
    """Return the entry with this id or name.

    :raises KeyError: with the known ids, for an unknown key.

    .. versionadded:: 0.1.0
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(f"{f.id} ({f.name})" for f in CATALOGUE)
        raise KeyError(f"Unknown catalogue entry {key!r}. Known: {known}.") from None
