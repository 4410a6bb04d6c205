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
                    "db.session.scalars(sa.select(User).join(User.posts).filter(Post.live)).unique().all()",
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
                    "db.session.scalar(sa.select(sa.func.count()).select_from(sa.select(User).filter(User.active).subquery()))",
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
                    "db.session.scalar(sa.select(sa.func.count()).select_from(User).filter(User.active))",
                ),
                why=(
                    "Shorter, without the subquery, so the SQL changes; the number is the same for"
                    " a chain of filter, filter_by and where only (the only chains the tool offers"
                    " it for). Replaces 'count' under --unsafe."
                ),
            ),
            Rewrite(
                name="builder",
                safety=Safety.MANUAL,
                stage=5,
                before=(
                    "q = Post.query",
                    "if tag:",
                    "    q = q.filter_by(tag=tag)",
                    "return q.paginate()",
                ),
                after=(
                    "stmt = sa.select(Post)",
                    "if tag:",
                    "    stmt = stmt.filter_by(tag=tag)",
                    "return db.paginate(stmt)",
                ),
                why=(
                    "The query is built in one place and run in another (a variable, a return "
                    "value, a loop over the Query): following it needs data flow the tool does not"
                    " do."
                ),
            ),
            Rewrite(
                name="unsupported",
                safety=Safety.MANUAL,
                stage=5,
                before=("User.query.with_entities(User.id).all()", "User.query.active()"),
                after=("db.session.execute(sa.select(User.id)).all()",),
                why=(
                    "Methods with no 1:1 Select form (with_entities, from_self, delete, update, "
                    "yield_per, ...), Query methods called with unusual arguments, and models with"
                    " a custom query_class, whose methods are the app's own."
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
            "fss_compat.paginate(session, select, page=..., per_page=...) with the page numbers"
            " your view reads from request.args"
        ),
        stage=8,
        rewrites=(
            Rewrite(
                name="request-args",
                safety=Safety.MANUAL,
                stage=8,
                before=("page = db.paginate(sa.select(Post), per_page=5)",),
                after=(
                    "page = paginate(db.session, sa.select(Post), page=_page_number(), per_page=5)",
                ),
                why=(
                    "The app must parse ?page= itself, with Flask-SQLAlchemy's 404 for a bad "
                    "number; see the guide for the parsing that keeps it."
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
