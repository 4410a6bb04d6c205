"""The catalogue: every legacy Flask-SQLAlchemy feature and migration rule, in one place.

Each entry has a stable id (``FSCnnn``; the family is the hundreds digit), a name, what it
replaces, its plain-SQLAlchemy replacement and, for the ``fss-compat`` tool, its rewrites
with their safety class and migration-guide stage. The runtime switches
(:mod:`fss_compat.legacy`), the scanner and codemods (``fss_compat.codemod``), the
migration guide's section titles and the documentation all use these ids.

Nothing here runs at import but building the tuples: :mod:`fss_compat.legacy` loads this
module only when a mode or a report needs it.
"""

from __future__ import annotations

import dataclasses
import enum

__all__ = [
    "CATALOGUE",
    "FAMILIES",
    "FEATURES",
    "STATIC_FEATURES",
    "Feature",
    "Rewrite",
    "Safety",
    "entry",
    "feature",
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


@dataclasses.dataclass(frozen=True)
class Rewrite:
    """One shape of a legacy feature in source code, and what the ``fss-compat`` tool does.

    :param name: short name, unique within its feature; ``FSC201.get`` names it in
        ``--select``.
    :param safety: what the tool may do with it.
    :param stage: the migration guide's stage whose ``migrate --stage N`` applies it.
    :param before: an example of the legacy code.
    :param after: what the tool writes (for ``manual``: what to write by hand).
    :param why: why the rewrite keeps behaviour, the condition it checks, or why it needs
        a person.

    .. versionadded:: 0.1.0
    """

    name: str
    safety: Safety
    stage: int
    before: str
    after: str
    why: str


@dataclasses.dataclass(frozen=True)
class Feature:
    """One legacy feature.

    :param id: stable id, ``FSCnnn``; the family is the hundreds digit (0 setup, 1 ``db.*``
        names, 2 query API, 3 models, 4 relationships, 5 session and engine, 6 helpers,
        7 Flask-SQLAlchemy 2.x).
    :param name: stable short name, usable instead of the id.
    :param summary: what the feature is.
    :param replacement: the plain-SQLAlchemy way to do the same.
    :param stage: the migration guide's stage after which the feature is gone (-1: the
        2.x stage, which ends at the switch to the 3.1 level).
    :param rewrites: the shapes the ``fss-compat`` tool finds, each with its safety class.

    .. versionadded:: 0.1.0
    """

    id: str
    name: str
    summary: str
    replacement: str
    stage: int = 0
    rewrites: tuple[Rewrite, ...] = ()

    @property
    def guide(self) -> str:
        """The title of this feature's section in ``migration_guide.md``."""
        return f"{self.id} {self.name}"

    @property
    def family(self) -> str:
        """The family, from the hundreds digit of the id (``"query API"`` for ``FSC201``)."""
        return FAMILIES[self.id[3]]

    def rewrite(self, name: str) -> Rewrite:
        """The rewrite called ``name``.

        :raises KeyError: with the known names, for an unknown one.
        """
        for rewrite in self.rewrites:
            if rewrite.name == name:
                return rewrite
        known = ", ".join(rewrite.name for rewrite in self.rewrites)
        raise KeyError(f"{self.id} has no rewrite {name!r}. Known: {known}.")


#: Family names, by the hundreds digit of a feature id.
FAMILIES: dict[str, str] = {
    "0": "setup",
    "1": "db.* names",
    "2": "query API",
    "3": "models",
    "4": "relationships",
    "5": "session, engine and config",
    "6": "helpers and extras",
    "7": "Flask-SQLAlchemy 2.x",
}

_S = Safety


FEATURES: tuple[Feature, ...] = (
    Feature(
        "FSC002",
        "get-engine",
        "db.get_engine(...)",
        "db.engine or db.engines[key]",
        stage=8,
        rewrites=(
            Rewrite(
                "get-engine",
                _S.SAFE,
                8,
                'db.get_engine()\ndb.get_engine("audit")',
                'db.engine\ndb.engines["audit"]',
                "get_engine(key) returns engines[key], and engines[None] is db.engine: the same"
                " object, minus the DeprecationWarning.",
            ),
        ),
    ),
    Feature(
        "FSC101",
        "db-names",
        "SQLAlchemy names on the db object: db.Column, db.Integer, db.select, db.func, ...",
        "import sqlalchemy as sa (and sqlalchemy.orm) and use sa.Column, sa.select, ...",
        stage=3,
        rewrites=(
            Rewrite(
                "names",
                _S.SAFE,
                3,
                "id = db.Column(db.Integer, db.ForeignKey('user.id'))\nq = db.select(User)\n"
                "db.event.listens_for(User, 'init')\nrel = db.backref('posts')",
                "import sqlalchemy as sa\nimport sqlalchemy.orm as orm\n\n"
                "id = sa.Column(sa.Integer, sa.ForeignKey('user.id'))\nq = sa.select(User)\n"
                "sa.event.listens_for(User, 'init')\nrel = orm.backref('posts')",
                "db forwards these names to the very same objects, looked up in sqlalchemy"
                " first, then sqlalchemy.orm (db.event is sqlalchemy.event). The tool reuses an"
                " existing import of the module, or adds 'import sqlalchemy as sa' / 'import"
                " sqlalchemy.orm as orm' when those names are free. db.backref is"
                " sqlalchemy.orm.backref itself: a dynamic backref gets Flask-SQLAlchemy's Query"
                " from the db.relationship around it (FSC104), not from db.backref.",
            ),
        ),
    ),
    Feature(
        "FSC102",
        "db-table",
        "db.Table(name, *columns, bind_key=...), which picks the table's MetaData",
        "sqlalchemy.Table(name, metadata, *columns) with the MetaData named (db.metadata, or"
        " the metadata of your base)",
        stage=3,
        rewrites=(
            Rewrite(
                "table",
                _S.CONDITIONAL,
                3,
                "tags = db.Table(\n    'tags',\n"
                "    sa.Column('post_id', sa.ForeignKey('post.id')),\n)",
                "tags = sa.Table(\n    'tags',\n    db.metadata,\n"
                "    sa.Column('post_id', sa.ForeignKey('post.id')),\n)",
                "Without bind_key=, db.Table puts the table in db.metadata, the MetaData of"
                " db.Model's tables; sa.Table with db.metadata second builds the same table in"
                " the same MetaData (db.Table is a subclass of sqlalchemy.Table that adds only"
                " that choice). When a MetaData is already second, only the callee changes."
                " The tool checks: no bind_key=, no *args or **kwargs, and a second argument it"
                " recognises: a Column, a constraint, an Index, or a MetaData (a MetaData(...)"
                " call, a name 'metadata' or an attribute '.metadata').",
            ),
            Rewrite(
                "bind-key",
                _S.MANUAL,
                7,
                "audit = db.Table('audit', sa.Column('id', sa.Integer), bind_key='audit')",
                "audit = sa.Table('audit', AuditBase.metadata, sa.Column('id', sa.Integer))",
                "The table belongs in the MetaData of its database, and which one that is gets"
                " decided with the bind keys (FSC304, stage 7).",
            ),
        ),
    ),
    Feature(
        "FSC104",
        "db-relationship",
        "db.relationship / db.backref / db.dynamic_loader adding the legacy query_class",
        "sqlalchemy.orm.relationship (with lazy='write_only' instead of lazy='dynamic')",
        stage=6,
        rewrites=(
            Rewrite(
                "relationship",
                _S.CONDITIONAL,
                3,
                "author = db.relationship('User', back_populates='posts')",
                "author = orm.relationship('User', back_populates='posts')",
                "db.relationship only adds query_class=Query, which matters for dynamic loading"
                " alone. Rewritten when the tool sees that neither lazy= nor a backref's lazy="
                " is 'dynamic' (literal values, no **kwargs); otherwise left for stage 6.",
            ),
            Rewrite(
                "dynamic",
                _S.MANUAL,
                6,
                "posts = db.relationship('Post', lazy='dynamic')",
                "posts: orm.WriteOnlyMapped['Post'] = orm.relationship()",
                "A dynamic collection is a Flask-SQLAlchemy Query (paginate, first_or_404, ...);"
                " a plain relationship's is not, and a write-only one changes every use site."
                " Also db.dynamic_loader.",
            ),
            Rewrite(
                "dynamic-use",
                _S.MANUAL,
                6,
                "user.posts.order_by(Post.id).paginate(per_page=5)",
                "db.paginate(sa.select(Post).where(orm.with_parent(user, User.posts))"
                ".order_by(Post.id), per_page=5)",
                "Flask-SQLAlchemy Query methods (paginate, first_or_404, one_or_404,"
                " get_or_404) called on an attribute named like a dynamic relationship of a"
                " scanned model: these calls break when the relationship changes. Found by"
                " attribute name, since the tool does not infer the type of 'user'.",
            ),
        ),
    ),
    Feature(
        "FSC201",
        "model-query",
        "Model.query and the legacy Query API",
        "db.session.scalars(select(Model).where(...)) and db.session.get(Model, id)",
        stage=5,
        rewrites=(
            Rewrite(
                "get",
                _S.SAFE,
                5,
                "User.query.get(1)",
                "db.session.get(User, 1)",
                "Query.get() is Session.get(): the same identity-map lookup and SQL, without"
                " SQLAlchemy's LegacyAPIWarning.",
            ),
            Rewrite(
                "get-or-404",
                _S.SAFE,
                5,
                "User.query.get_or_404(1, description='No user')",
                "db.get_or_404(User, 1, description='No user')",
                "Both call Session.get() and abort(404, description=...) when it is None."
                " The same rewrites apply to db.session.query(User) chains that end in one of"
                " Flask-SQLAlchemy's own methods (get_or_404, first_or_404, one_or_404,"
                " paginate), which a plain session's Query lacks; its other chains are plain"
                " SQLAlchemy and are left alone.",
            ),
            Rewrite(
                "first",
                _S.SAFE,
                5,
                "User.query.filter_by(name='ann').first()",
                "db.session.scalars(sa.select(User).filter_by(name='ann').limit(1)).first()",
                "Query.first() sends LIMIT 1; .limit(1) keeps it (never scalar_one_or_none(),"
                " which raises for two rows). filter, filter_by, where, order_by, group_by,"
                " having, limit, offset and distinct exist on Select with the same meaning.",
            ),
            Rewrite(
                "all",
                _S.SAFE,
                5,
                "User.query.filter(User.id > 1).order_by(User.id).all()",
                "db.session.scalars(sa.select(User).filter(User.id > 1).order_by(User.id)).all()",
                "The same SELECT; scalars() returns the entities as Query did. Also .one() and"
                " .one_or_none(), which raise the same NoResultFound / MultipleResultsFound.",
            ),
            Rewrite(
                "join-unique",
                _S.SAFE,
                5,
                "User.query.join(User.posts).filter(Post.live).all()",
                "db.session.scalars(sa.select(User).join(User.posts).filter(Post.live))"
                ".unique().all()",
                "The legacy Query de-duplicates entities and scalars() does not: after a join"
                " to a collection the 2.x form returns one row per post, and .one() raises."
                " .unique() (by identity) restores Query's result, for join, outerjoin and"
                " options() (required for joinedload of a collection).",
            ),
            Rewrite(
                "first-or-404",
                _S.SAFE,
                5,
                "User.query.filter_by(name=n).first_or_404()",
                "db.first_or_404(sa.select(User).filter_by(name=n).limit(1))",
                "db.first_or_404 takes the first row's entity and aborts with 404 on None;"
                " .limit(1) keeps Query.first()'s SQL. Not with options(), whose joined eager"
                " loads need unique().",
            ),
            Rewrite(
                "one-or-404",
                _S.CONDITIONAL,
                5,
                "User.query.filter_by(email=e).one_or_404()",
                "db.one_or_404(sa.select(User).filter_by(email=e))",
                "db.one_or_404 cannot de-duplicate, so the chain must have no join, outerjoin"
                " or options(); the tool checks that.",
            ),
            Rewrite(
                "paginate",
                _S.SAFE,
                5,
                "Post.query.order_by(Post.id).paginate(page=2, per_page=20)",
                "db.paginate(sa.select(Post).order_by(Post.id), page=2, per_page=20)",
                "The same keyword arguments and request defaults; both count through a subquery"
                " and return de-duplicated entities (SelectPagination uses unique()).",
            ),
            Rewrite(
                "count",
                _S.SAFE,
                5,
                "User.query.filter(User.active).count()",
                "db.session.scalar(sa.select(sa.func.count()).select_from("
                "sa.select(User).filter(User.active).subquery()))",
                "Query.count() counts a subquery; this form sends the same SQL, so joins,"
                " distinct, limit and group_by count the same.",
            ),
            Rewrite(
                "count-short",
                _S.UNSAFE,
                5,
                "User.query.filter(User.active).count()",
                "db.session.scalar(sa.select(sa.func.count()).select_from(User)"
                ".filter(User.active))",
                "Shorter, without the subquery, so the SQL changes; the number is the same for"
                " a chain of filter, filter_by and where only (the only chains the tool"
                " offers it for). Replaces 'count' under --unsafe.",
            ),
            Rewrite(
                "builder",
                _S.MANUAL,
                5,
                "q = Post.query\nif tag:\n    q = q.filter_by(tag=tag)\nreturn q.paginate()",
                "stmt = sa.select(Post)\nif tag:\n    stmt = stmt.filter_by(tag=tag)\n"
                "return db.paginate(stmt)",
                "The query is built in one place and run in another (a variable, a return"
                " value, a loop over the Query): following it needs data flow the tool does"
                " not do.",
            ),
            Rewrite(
                "unsupported",
                _S.MANUAL,
                5,
                "User.query.with_entities(User.id).all()\nUser.query.active()",
                "db.session.execute(sa.select(User.id)).all()",
                "Methods with no 1:1 Select form (with_entities, from_self, delete, update,"
                " yield_per, ...), Query methods called with unusual arguments, and models"
                " with a custom query_class, whose methods are the app's own.",
            ),
        ),
    ),
    Feature(
        "FSC301",
        "auto-tablename",
        "__tablename__ generated from the class name",
        "an explicit __tablename__ = '...' on each model",
        stage=4,
        rewrites=(
            Rewrite(
                "runtime",
                _S.CONDITIONAL,
                4,
                "class BlogPost(db.Model):\n    id = sa.Column(sa.Integer, primary_key=True)",
                "class BlogPost(db.Model):\n    __tablename__ = 'blog_post'\n"
                "    id = sa.Column(sa.Integer, primary_key=True)",
                "With --app, the tool imports the app and writes the name of the table each"
                " model's mapper actually has. Skipped: single-table-inheritance children (no"
                " table of their own), names from a mixin or declared_attr, abstract classes"
                " and classes with __table__.",
            ),
            Rewrite(
                "static",
                _S.UNSAFE,
                4,
                "class HTTPLog(db.Model):\n    id = sa.Column(sa.Integer, primary_key=True)",
                "class HTTPLog(db.Model):\n    __tablename__ = 'http_log'\n"
                "    id = sa.Column(sa.Integer, primary_key=True)",
                "Without --app: Flask-SQLAlchemy 3's camel_to_snake_case of the class name, for"
                " classes whose own body declares a primary key. Mixins outside the scanned"
                " code and names from Flask-SQLAlchemy 2.x's other rule are not seen.",
            ),
        ),
    ),
    Feature(
        "FSC304",
        "bind-key",
        "__bind_key__ routing models to SQLALCHEMY_BINDS engines",
        "a declarative base per database and sessionmaker(binds={Base: engine, ...})",
        stage=7,
        rewrites=(
            Rewrite(
                "bind-key",
                _S.MANUAL,
                7,
                "class AuditEntry(db.Model):\n    __bind_key__ = 'audit'",
                "class AuditBase(orm.DeclarativeBase):\n"
                "    metadata = sa.MetaData(info={'bind_key': 'audit'})\n\n"
                "class AuditEntry(AuditBase): ...",
                "A new base per database and its table creation are a change of architecture.",
            ),
        ),
    ),
    Feature(
        "FSC601",
        "db-404-helpers",
        "db.get_or_404, db.first_or_404 and db.one_or_404 on the db object",
        "fss_compat.get_or_404(db.session, ...) and friends, or your own helpers",
        stage=8,
        rewrites=(
            Rewrite(
                "helpers",
                _S.SAFE,
                8,
                "post = db.get_or_404(Post, post_id, description='No post')",
                "from fss_compat import get_or_404\n\n"
                "post = get_or_404(db.session, Post, post_id, description='No post')",
                "The db methods call these functions with db.session; the other arguments are"
                " the same. Also first_or_404 and one_or_404.",
            ),
            Rewrite(
                "paginate",
                _S.CONDITIONAL,
                8,
                "page = db.paginate(sa.select(Post), page=n, per_page=20)",
                "from fss_compat import paginate\n\n"
                "page = paginate(db.session, sa.select(Post), page=n, per_page=20)",
                "fss_compat.paginate is db.paginate on a given session that never reads the"
                " request. Rewritten when page= and per_page= are both given and neither is"
                " None; otherwise the page numbers come from the request (FSC605).",
            ),
        ),
    ),
    Feature(
        "FSC602",
        "recorded-queries",
        "SQLALCHEMY_RECORD_QUERIES and get_recorded_queries()",
        "a sqlalchemy.event listener on 'after_cursor_execute'",
        stage=8,
        rewrites=(
            Rewrite(
                "recorded-queries",
                _S.MANUAL,
                8,
                "app.config['SQLALCHEMY_RECORD_QUERIES'] = True\nget_recorded_queries()",
                "@sa.event.listens_for(engine, 'after_cursor_execute')\ndef record(...): ...",
                "A recorder of your own has other fields and lifetime.",
            ),
        ),
    ),
    Feature(
        "FSC603",
        "track-modifications",
        "SQLALCHEMY_TRACK_MODIFICATIONS and the models_committed signals",
        "session events: before_flush, after_commit, after_rollback",
        stage=8,
        rewrites=(
            Rewrite(
                "track-modifications",
                _S.MANUAL,
                8,
                "app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = True\n"
                "models_committed.connect(on_commit)",
                "@sa.event.listens_for(Session, 'after_commit')\ndef on_commit(session): ...",
                "Session events have another timing and payload than the signals.",
            ),
        ),
    ),
    Feature(
        "FSC605",
        "paginate-request-args",
        "db.paginate / Query.paginate reading page and per_page from the request",
        "read request.args yourself and call fss_compat.paginate(session, select, page=...)",
        stage=8,
        rewrites=(
            Rewrite(
                "request-args",
                _S.MANUAL,
                8,
                "page = db.paginate(sa.select(Post), per_page=5)",
                "page = paginate(db.session, sa.select(Post), page=_page_number(), per_page=5)",
                "The app must parse ?page= itself, with Flask-SQLAlchemy's 404 for a bad"
                " number; see the guide for the parsing that keeps it.",
            ),
        ),
    ),
    # Flask-SQLAlchemy 2.x (the 2.5 level): each is gone once the app runs at the 3.1 level,
    # the guide's stage -1. A rewrite whose "after" needs the 3.1 level says so.
    Feature(
        "FSC701",
        "paginate-positional",
        "Query.paginate(page, per_page, error_out, max_per_page) with positional arguments",
        "the same arguments by keyword: paginate(page=..., per_page=..., error_out=...)",
        stage=-1,
        rewrites=(
            Rewrite(
                "keywords",
                _S.SAFE,
                -1,
                "posts = Post.query.paginate(page, 20, False)",
                "posts = Post.query.paginate(page=page, per_page=20, error_out=False)",
                "2.x's paginate takes the four arguments in this order; by keyword they mean the"
                " same at the 2.5 level, and 3.x accepts them only by keyword. Left for a"
                " person: a literal per_page of 0, an empty page in 2.x and a 404 in 3.x.",
            ),
        ),
    ),
    Feature(
        "FSC702",
        "pagination-v2",
        "2.x's Pagination: built by hand as Pagination(query, page, per_page, total, items),"
        " its .query, prev(error_out) / next(error_out) and iter_pages() by position",
        "pages from Query.paginate or db.paginate; prev(error_out=...) and iter_pages(...) by"
        " keyword, with 3.x's right_current one less than 2.x's",
        stage=-1,
        rewrites=(
            Rewrite(
                "prev-next",
                _S.SAFE,
                -1,
                "older = page.next(False)",
                "older = page.next(error_out=False)",
                "The one argument of 2.x's prev() and next() is error_out; by keyword it means"
                " the same at both levels.",
            ),
            Rewrite(
                "construct",
                _S.MANUAL,
                -1,
                "page = Pagination(None, 1, 20, total, items)",
                "(3.x builds a Pagination by running its queries: subclass it, see the guide)",
                "3.x's constructor queries; a page of numbers known already needs a subclass"
                " of fss_compat.Pagination whose _query_items() and _query_count() return them.",
            ),
        ),
    ),
    Feature(
        "FSC703",
        "extension-state",
        "app.extensions['sqlalchemy'] as 2.x's state object (.db, .connectors) and get_state(app)",
        "app.extensions['sqlalchemy'], which is the db itself in 3.x (or import your db)",
        stage=-1,
        rewrites=(
            Rewrite(
                "state-db",
                _S.SAFE,
                -1,
                "db = app.extensions['sqlalchemy'].db\ndb = get_state(app).db",
                "db = app.extensions['sqlalchemy']\ndb = app.extensions['sqlalchemy']",
                "With the switch to the 3.1 level: there the entry is the db, so .db of the"
                " state and the entry are the same object.",
            ),
        ),
    ),
    Feature(
        "FSC704",
        "debug-queries",
        "get_debug_queries() and 2.x's recording rules (on in debug and testing mode when"
        " SQLALCHEMY_RECORD_QUERIES is unset)",
        "SQLALCHEMY_RECORD_QUERIES = True and flask_sqlalchemy.record_queries."
        "get_recorded_queries() (its records name the caller .location, not .context)",
        stage=-1,
        rewrites=(
            Rewrite(
                "recorded-queries",
                _S.MANUAL,
                -1,
                "for query in get_debug_queries():\n    log(query.duration, query.context)",
                "for query in get_recorded_queries():\n    log(query.duration, query.location)",
                "The records are dataclasses, not tuples, their caller field has another name,"
                " and recording needs SQLALCHEMY_RECORD_QUERIES = True in every mode.",
            ),
        ),
    ),
    Feature(
        "FSC705",
        "app-bound-session",
        "db.session, Model.query and db.engine used outside an app context through the app"
        " given to SQLAlchemy(app); 2.x's session scoped per thread, not per app context",
        "an app context (with app.app_context(): ...), or db.sessionmaker() in scripts",
        stage=-1,
        rewrites=(
            Rewrite(
                "app-context",
                _S.MANUAL,
                -1,
                "db = SQLAlchemy(app)\nUser.query.all()",
                "db = SQLAlchemy(app)\nwith app.app_context():\n    User.query.all()",
                "Where the context starts and ends is the app's decision: at import, in a"
                " script, a worker or a test fixture. In 3.x nested app contexts also get a"
                " session each, where 2.x shared one per thread.",
            ),
        ),
    ),
    Feature(
        "FSC706",
        "engine-api-v2",
        "2.x's engine API: get_engine(app, bind), get_app(), get_binds(), get_tables_for_bind(),"
        " make_connector(), and overriding create_engine / apply_driver_hacks /"
        " apply_pool_defaults",
        "db.engines[key] and db.metadatas[key].tables; SQLALCHEMY_ENGINE_OPTIONS or the"
        " engine_options argument instead of overrides",
        stage=-1,
        rewrites=(
            Rewrite(
                "get-engine",
                _S.UNSAFE,
                -1,
                "engine = db.get_engine(app, bind='audit')",
                "engine = db.engines['audit']",
                "db.engines is the current app's (or, at the 2.5 level, SQLAlchemy(app)'s): the"
                " same engine only when the app passed is that one.",
            ),
            Rewrite(
                "hooks",
                _S.MANUAL,
                -1,
                "class DB(SQLAlchemy):\n    def apply_driver_hacks(self, app, url, options): ...",
                "db = SQLAlchemy(engine_options={...})",
                "3.x makes engines at init_app from options only; what an override computed"
                " must become options.",
            ),
        ),
    ),
    Feature(
        "FSC707",
        "session-hooks-v2",
        "2.x's session and model hooks: SignallingSession subclasses (get_bind routing),"
        " create_scoped_session(), create_session(), make_declarative_base()",
        "a subclass of flask_sqlalchemy.session.Session passed as session_options={'class_':"
        " ...}, and model_class=",
        stage=-1,
        rewrites=(
            Rewrite(
                "session-class",
                _S.MANUAL,
                -1,
                "class RoutingSession(SignallingSession):\n"
                "    def get_bind(self, mapper=None, clause=None): ...",
                "class RoutingSession(Session):\n"
                "    def get_bind(self, mapper=None, clause=None, **kwargs): ...\n\n"
                "db = SQLAlchemy(session_options={'class_': RoutingSession})",
                "3.x's Session routes by the metadata's bind key and reads the engines of the"
                " current app; its constructor and get_bind differ from SignallingSession's.",
            ),
        ),
    ),
    Feature(
        "FSC708",
        "commit-on-teardown",
        "SQLALCHEMY_COMMIT_ON_TEARDOWN: commit the session when a request ends without error",
        "db.session.commit() where the view's work is done",
        stage=-1,
        rewrites=(
            Rewrite(
                "commit",
                _S.MANUAL,
                -1,
                "app.config['SQLALCHEMY_COMMIT_ON_TEARDOWN'] = True",
                "db.session.commit()  # at the end of each view that writes",
                "Which views write, and where their work ends, is the app's knowledge.",
            ),
        ),
    ),
    Feature(
        "FSC709",
        "engine-config-v2",
        "2.x's engine config: SQLALCHEMY_POOL_SIZE, _POOL_TIMEOUT, _POOL_RECYCLE,"
        " _MAX_OVERFLOW, SQLALCHEMY_NATIVE_UNICODE, use_native_unicode=, and engine_options="
        " overriding SQLALCHEMY_ENGINE_OPTIONS",
        "SQLALCHEMY_ENGINE_OPTIONS = {'pool_size': ..., ...}; in 3.x the constructor's"
        " engine_options are defaults that the config overrides",
        stage=-1,
        rewrites=(
            Rewrite(
                "engine-options",
                _S.MANUAL,
                -1,
                "app.config['SQLALCHEMY_POOL_SIZE'] = 10",
                "app.config['SQLALCHEMY_ENGINE_OPTIONS'] = {'pool_size': 10}",
                "The keys may be set in several places (config files, the environment), and"
                " merging them into one dict is the app's choice.",
            ),
        ),
    ),
    Feature(
        "FSC710",
        "tablename-v2",
        "a table name generated by 2.x's rule where 3.x's rule gives another (Test3D:"
        " 'test3D' in 2.x, 'test3_d' in 3.x)",
        "an explicit __tablename__ with the 2.x name",
        stage=-1,
        rewrites=(
            Rewrite(
                "tablename",
                _S.SAFE,
                -1,
                "class Test3D(db.Model):\n    id = db.Column(db.Integer, primary_key=True)",
                "class Test3D(db.Model):\n    __tablename__ = 'test3D'\n"
                "    id = db.Column(db.Integer, primary_key=True)",
                "The name written is the one 2.x generated, so the table stays the same at"
                " both levels. Only for classes whose own body declares a primary key and"
                " whose two names differ.",
            ),
        ),
    ),
    Feature(
        "FSC711",
        "driver-defaults-v2",
        "2.x's driver defaults that 3.x changed: relative SQLite paths from app.root_path"
        " (3.x: app.instance_path) and MySQL charset=utf8 (3.x: utf8mb4)",
        "an absolute SQLite path (or the file moved to the instance folder) and an explicit"
        " MySQL charset in the URL",
        stage=-1,
        rewrites=(
            Rewrite(
                "database-url",
                _S.MANUAL,
                -1,
                "app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///app.db'",
                "app.config['SQLALCHEMY_DATABASE_URI'] = f'sqlite:///{app.root_path}/app.db'",
                "Where the file lives (and whether to move it) is a deployment decision.",
            ),
        ),
    ),
    Feature(
        "FSC712",
        "config-defaults-v2",
        "2.x's config defaults: no database URI means in-memory SQLite, and"
        " SQLALCHEMY_TRACK_MODIFICATIONS unset means on",
        "set SQLALCHEMY_DATABASE_URI (3.x raises without it) and SQLALCHEMY_TRACK_MODIFICATIONS"
        " (3.x: off unless True)",
        stage=-1,
        rewrites=(
            Rewrite(
                "config",
                _S.MANUAL,
                -1,
                "db = SQLAlchemy(app)",
                "app.config['SQLALCHEMY_TRACK_MODIFICATIONS'] = False\ndb = SQLAlchemy(app)",
                "Whether the app needs the models_committed signals is its own decision.",
            ),
        ),
    ),
    Feature(
        "FSC713",
        "bind-key-info",
        "2.x's one metadata for every bind, with __bind_key__ recorded in Table.info['bind_key']",
        "3.x's db.metadatas[key] per bind key, whose info['bind_key'] names it",
        stage=-1,
        rewrites=(
            Rewrite(
                "table-info",
                _S.MANUAL,
                -1,
                "key = table.info.get('bind_key')\ntables = db.metadata.tables",
                "key = table.metadata.info.get('bind_key')\n"
                "tables = {n: t for m in db.metadatas.values() for n, t in m.tables.items()}",
                "Code that reads the tables (Alembic's env.py of 2.x's multi-database"
                " template, schema tools) must look in every bind's metadata.",
            ),
        ),
    ),
    Feature(
        "FSC714",
        "create-all-app",
        "create_all / drop_all / reflect with 2.x's app= argument or bind= keyword",
        "create_all(bind_key=...) inside with app.app_context():",
        stage=-1,
        rewrites=(
            Rewrite(
                "bind-key",
                _S.SAFE,
                -1,
                "db.create_all(bind='audit')",
                "db.create_all(bind_key='audit')",
                "bind was 2.x's name of bind_key; the 2.5 level accepts both.",
            ),
            Rewrite(
                "app",
                _S.CONDITIONAL,
                -1,
                "db.create_all(app=app)",
                "with app.app_context():\n    db.create_all()",
                "The same app is used when the call is a statement of its own; the tool"
                " checks that.",
            ),
        ),
    ),
)

#: Features only the ``fss-compat`` tool sees: no runtime switch can, because the code that
#: would check them is gone (the import) or is the app's own (its base class).
STATIC_FEATURES: tuple[Feature, ...] = (
    Feature(
        "FSC001",
        "import-swap",
        "imports from flask_sqlalchemy",
        "from fss_compat import SQLAlchemy; flask_sqlalchemy.X becomes fss_compat.shims.X",
        stage=1,
        rewrites=(
            Rewrite(
                "import",
                _S.SAFE,
                1,
                "from flask_sqlalchemy import SQLAlchemy\n"
                "from flask_sqlalchemy.model import Model\nimport flask_sqlalchemy",
                "from fss_compat import SQLAlchemy\nfrom fss_compat.shims.model import Model\n"
                "import fss_compat",
                "fss_compat reproduces Flask-SQLAlchemy 3.1, and each flask_sqlalchemy.<module>"
                " has a fss_compat.shims.<module> with the same public names; references"
                " through the module name are renamed too.",
            ),
            Rewrite(
                "unknown-name",
                _S.MANUAL,
                1,
                "from flask_sqlalchemy import get_debug_queries",
                "(no fss_compat equivalent: see the guide)",
                "A name that Flask-SQLAlchemy 3.1 does not have (2.x API) or that fss_compat"
                " does not provide.",
            ),
        ),
    ),
    Feature(
        "FSC303",
        "model-base",
        "models that subclass db.Model",
        "models that subclass the app's own DeclarativeBase",
        stage=9,
        rewrites=(
            Rewrite(
                "base",
                _S.CONDITIONAL,
                9,
                "db = SQLAlchemy(model_class=Base)\n\nclass Tag(db.Model):\n"
                "    __tablename__ = 'tag'",
                "db = SQLAlchemy(model_class=Base)\n\nclass Tag(Base):\n    __tablename__ = 'tag'",
                "db.Model and the model_class share one registry and metadata, so models can"
                " move one at a time. The tool checks: db's model_class is a DeclarativeBase"
                " subclass in the scanned code; the model has its own __tablename__ or"
                " __table__, no __bind_key__, no query_class, no subclasses, and no .query"
                " use left anywhere in the scanned code. The model loses the '<Tag 1>' repr.",
            ),
        ),
    ),
    Feature(
        "FSC305",
        "typed-columns",
        "model columns declared with db.Column / sa.Column, untyped",
        "typed columns: name: Mapped[T] = mapped_column(...), nullability kept",
        stage=9,
        rewrites=(
            Rewrite(
                "column",
                _S.CONDITIONAL,
                9,
                "class User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
                "    name = db.Column(db.String(80), nullable=False)\n"
                "    bio = db.Column(db.Text)",
                "class User(db.Model):\n"
                "    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)\n"
                "    name: Mapped[str] = mapped_column(db.String(80))\n"
                "    bio: Mapped[str | None] = mapped_column(db.Text)",
                "The schema does not move: the annotation is Optional (or '| None' when the"
                " project targets Python 3.10+) exactly when the column was nullable, since"
                " mapped_column() takes NOT NULL from a non-Optional annotation; primary keys"
                " stay NOT NULL. Every argument is kept, the type included. Rewritten when the"
                " tool can tell the Python type of the values: SQLAlchemy's types (JSON and"
                " PickleType as Any), sa.Enum of a Python enum, a foreign key to a column it"
                " sees, a TypeDecorator with a process_result_value() return annotation."
                " Other columns are left as they are and reported.",
            ),
        ),
    ),
    Feature(
        "FSC401",
        "typed-relationships",
        "relationships declared without a Mapped[...] annotation",
        "posts: Mapped[list['Post']] = relationship(...), author: Mapped['User'] = ...",
        stage=9,
        rewrites=(
            Rewrite(
                "relationship",
                _S.CONDITIONAL,
                9,
                "class User(db.Model):\n    posts = db.relationship('Post', order_by='Post.id')",
                "class User(db.Model):\n"
                "    posts: Mapped[list['Post']] = db.relationship('Post', order_by='Post.id')",
                "SQLAlchemy reads the annotation: a collection type makes a collection, a class"
                " a scalar (one-to-one). So the annotation says what the relationship is now:"
                " uselist= when given, else its direction from the foreign keys the tool sees,"
                " and collection_class= list or set. Reported: primaryjoin= or foreign_keys="
                " without uselist=, a target class it cannot find. Dynamic ones are FSC403's.",
            ),
        ),
    ),
    Feature(
        "FSC402",
        "backref",
        "relationship(..., backref=...), which adds an attribute to the other class",
        "back_populates= on both classes, each side declared where it is used",
        stage=6,
        rewrites=(
            Rewrite(
                "back-populates",
                _S.CONDITIONAL,
                6,
                "class User(db.Model):\n    posts = db.relationship('Post', backref='author')",
                "class User(db.Model):\n"
                "    posts = db.relationship('Post', back_populates='author')\n\n"
                "class Post(db.Model):\n    ...\n"
                "    author = orm.relationship('User', back_populates='posts')",
                "The other class gets the relationship the backref made: the backref()'s"
                " arguments, and the ones SQLAlchemy copies from this side (secondary,"
                " post_update, passive_deletes, viewonly, sync_backref). Reported: a"
                " relationship with primaryjoin=, foreign_keys= or remote_side= (the other"
                " side needs the reverse conditions), a name the other class already has,"
                " an argument that is not a literal and cannot move to the other class.",
            ),
        ),
    ),
    Feature(
        "FSC403",
        "dynamic-relationship",
        "relationship(..., lazy='dynamic'): a collection that is a Query",
        "posts: WriteOnlyMapped['Post'] = relationship() and select() for the queries",
        stage=6,
        rewrites=(
            Rewrite(
                "write-only",
                _S.CONDITIONAL,
                6,
                "posts = db.relationship('Post', lazy='dynamic')\n"
                "user.posts.filter_by(live=True).first()\nuser.posts.count()\n"
                "user.posts.order_by(Post.id).paginate(per_page=5)\n"
                "for post in user.posts: ...\nuser.posts.append(post)",
                "posts: WriteOnlyMapped['Post'] = db.relationship('Post')\n"
                "db.session.scalars(user.posts.select().filter_by(live=True).limit(1)).first()\n"
                "db.session.scalar(sa.select(sa.func.count())"
                ".select_from(user.posts.select().subquery()))\n"
                "db.paginate(user.posts.select().order_by(Post.id), per_page=5)\n"
                "for post in db.session.scalars(user.posts.select()): ...\n"
                "user.posts.add(post)",
                "The same SQL: first() keeps LIMIT 1, count() its subquery, a join gets"
                " unique(). All or nothing per attribute name (the tool finds uses by name):"
                " one use it cannot prove leaves the relationship dynamic and is reported: a"
                " value passed on or returned, len(), a query built in one place and run in"
                " another, a use in a module that does not import the model, a string that"
                " mentions '.posts', another class with an attribute of that name.",
            ),
        ),
    ),
    Feature(
        "FSC700",
        "v2-imports",
        "names only Flask-SQLAlchemy 2.x's flask_sqlalchemy package has (BaseQuery,"
        " models_committed, Model at the top level, SignallingSession, get_debug_queries,"
        " get_state, FSADeprecationWarning, the _compat and utils modules)",
        "their 3.x homes: flask_sqlalchemy.query.Query, flask_sqlalchemy.track_modifications,"
        " flask_sqlalchemy.model, ...",
        stage=-1,
        rewrites=(
            Rewrite(
                "rename",
                _S.SAFE,
                -1,
                "from flask_sqlalchemy import BaseQuery, Model, models_committed",
                "from flask_sqlalchemy.model import Model\n"
                "from flask_sqlalchemy.query import Query as BaseQuery\n"
                "from flask_sqlalchemy.track_modifications import models_committed",
                "With the switch to the 3.1 level: the same classes and signals live in these"
                " modules there (FSADeprecationWarning becomes DeprecationWarning).",
            ),
            Rewrite(
                "gone",
                _S.MANUAL,
                -1,
                "from flask_sqlalchemy import SignallingSession, get_debug_queries, get_state",
                "(see FSC707, FSC704 and FSC703)",
                "Names whose 3.x replacement behaves differently: each has its own feature.",
            ),
        ),
    ),
)

#: Every entry, runtime features and static-only ones, ordered by id.
CATALOGUE: tuple[Feature, ...] = tuple(
    sorted(FEATURES + STATIC_FEATURES, key=lambda feature: feature.id)
)

_BY_KEY: dict[str, Feature] = {f.id: f for f in FEATURES} | {f.name: f for f in FEATURES}


def feature(key: str) -> Feature:
    """Return the feature with this id or name.

    :raises KeyError: with the known ids, for an unknown key.
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(f"{f.id} ({f.name})" for f in FEATURES)
        raise KeyError(f"Unknown legacy feature {key!r}. Known: {known}.") from None


_CATALOGUE_BY_KEY: dict[str, Feature] = {f.id: f for f in CATALOGUE} | {
    f.name: f for f in CATALOGUE
}


def entry(key: str) -> Feature:
    """Return the catalogue entry (a runtime or a static-only feature) with this id or name.

    :raises KeyError: with the known ids, for an unknown key.

    .. versionadded:: 0.1.0
    """
    try:
        return _CATALOGUE_BY_KEY[key]
    except KeyError:
        known = ", ".join(f"{f.id} ({f.name})" for f in CATALOGUE)
        raise KeyError(f"Unknown catalogue entry {key!r}. Known: {known}.") from None
