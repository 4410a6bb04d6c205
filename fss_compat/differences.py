"""Every intentional difference between fss_compat and Flask-SQLAlchemy, with its reason.

Most are differences from Flask-SQLAlchemy 3.1.1 (the 3.1 level); those of the 2.5 level
(``fss_compat.shims_v2``) are differences from Flask-SQLAlchemy 2.5.1, and a difference
can hold at both levels (its ``levels``).

This is the one registry: parity tests that observe a difference look it up by id (so an
unlisted difference fails), and ``docs/differences.md`` is rendered from it
(``tests/test_docs.py`` keeps the two in sync).
"""

from __future__ import annotations

import dataclasses

__all__ = ["DIFFERENCES", "Difference", "get", "render_markdown"]


@dataclasses.dataclass(frozen=True)
class Difference:
    """One intentional difference.

    :param id: stable identifier, used by tests.
    :param area: the shim or feature it belongs to.
    :param upstream: what Flask-SQLAlchemy 3.1.1 does.
    :param here: what fss_compat does instead.
    :param reason: why.
    :param levels: the fss_compat levels it holds at: ``"3.1"`` (versus Flask-SQLAlchemy
        3.1.1) and ``"2.5"`` (versus 2.5.1, whose behaviour ``upstream`` then describes
        when the difference holds at the 2.5 level only).

    .. versionadded:: 0.1.0
    """

    id: str
    area: str
    upstream: str
    here: str
    reason: str
    levels: tuple[str, ...] = ("3.1",)


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        id="dataclass-base-on-sqlalchemy-2.1",
        area="model",
        upstream=(
            "SQLAlchemy(model_class=Base) with a MappedAsDataclass base raises"
            " InvalidRequestError on SQLAlchemy 2.1 (upstream #1420)."
        ),
        here="Works on SQLAlchemy 2.0 and 2.1.",
        reason="Upstream is broken there; fss_compat builds db.Model as a subclass of Base.",
    ),
    Difference(
        id="model-subclasses-base",
        area="model",
        upstream=(
            "For a 2.x model_class, db.Model is a copy of the class body named"
            " FlaskSQLAlchemyBase; issubclass(db.Model, Base) is False."
        ),
        here=(
            "db.Model is an abstract subclass of Base, so issubclass(db.Model, Base) is True"
            " and methods of Base that call super() without arguments work (upstream's"
            " copies raise TypeError). Attributes resolve as upstream otherwise."
        ),
        reason=(
            "Copying the class body is what breaks dataclass bases on SQLAlchemy 2.1, and a"
            " real subclass lets code and type checkers treat models as instances of the"
            " app's own Base, which the later migration stages rely on."
        ),
    ),
    Difference(
        id="repr-without-default-engine",
        area="extension",
        upstream="repr(db) raises KeyError when only SQLALCHEMY_BINDS is configured (#1295).",
        here="repr(db) is '<SQLAlchemy (no default engine) +N>'.",
        reason="A repr must not raise; upstream fixed this after 3.1.1.",
    ),
    Difference(
        id="sessionmaker-attribute",
        area="extension",
        upstream=(
            "db.sessionmaker is forwarded to the class sqlalchemy.orm.sessionmaker, so"
            " db.sessionmaker(bind=engine) makes a new session factory."
        ),
        here=(
            "db.sessionmaker is the plain sessionmaker instance behind db.session (calling it"
            " opens a session); outside an app context its sessions use the engines of the"
            " most recently registered app. Code that built factories with"
            " db.sessionmaker(...) must call sqlalchemy.orm.sessionmaker(...) instead."
        ),
        reason=(
            "Scripts and workers need sessions configured like db.session without Flask"
            " (upstream #332); the name was chosen by the design (issue 2)."
        ),
    ),
    Difference(
        id="unregistered-app-session",
        area="session",
        upstream=(
            "db.session() in the context of an app never passed to init_app creates a session"
            " that is never removed; the error comes later, at the first query."
        ),
        here="RuntimeError naming init_app when the session would be created.",
        reason="Such a session would outlive its context and leak its connection.",
    ),
    Difference(
        id="session-engines-resolved-once",
        area="session",
        upstream="Session.get_bind looks up the current app's engines on every statement.",
        here=(
            "A session looks up its app's engines mapping at its first statement and keeps"
            " it (the live mapping: replacing an entry of db.engines still takes effect). A"
            " plain session used in one app's context and then in another's keeps the first."
        ),
        reason=(
            "A session belongs to one app context; resolving once saves a current_app and"
            " weak-dictionary lookup per statement."
        ),
    ),
    Difference(
        id="pagination-overflow",
        area="pagination",
        upstream=(
            "A page number (or per_page) whose offset exceeds the database's 64-bit integer"
            " range reaches the driver, which raises (OverflowError on SQLite, DataError on"
            " PostgreSQL): a 500 for ?page=99999999999999999999."
        ),
        here=(
            "Such a page is past the end: 404, or an empty page with error_out=False; a"
            " per_page that large on page 1 returns every row."
        ),
        reason="The page number is client input; no database holds that many rows.",
        levels=("3.1", "2.5"),
    ),
    Difference(
        id="per-page-request-cap",
        area="pagination",
        upstream="A per_page from the query string has no cap unless max_per_page is given.",
        here=(
            "With no max_per_page, a per_page read from the request is capped at the app's"
            " FSS_MAX_PER_PAGE (default 1000; set it to None for upstream's behaviour)."
            " Values passed in code are not capped."
        ),
        reason="Otherwise any client can ask for every row in one request.",
        levels=("3.1", "2.5"),
    ),
    Difference(
        id="get-or-404-impossible-identifier",
        area="query",
        upstream=(
            "get_or_404 sends any identifier to the database: on PostgreSQL text that is not"
            " an integer, an integer out of the column's range, or text that is not a UUID"
            " raises DataError (a 500, and the transaction is aborted); SQLite raises on"
            " integers past 64 bits and on any text for a UUID key."
        ),
        here=(
            "An identifier no key of the column's type can equal is a 404 without a query:"
            " for an integer key, text that is not an integer as the databases read one"
            " (ASCII digits, a sign, spaces) or a number out of the column's range; text"
            " that is not a UUID for a UUID key; text containing NUL on PostgreSQL. Text"
            " for a UUID key is parsed. Anything else is passed on unchanged."
        ),
        reason="Identifiers come from URLs: a bad one must be a 404, never a 500.",
        levels=("3.1", "2.5"),
    ),
    Difference(
        id="teardown-survives-dead-connection",
        area="session",
        upstream=(
            "Removing the session at app-context teardown lets a failed rollback (the"
            " database went away) raise out of the teardown, into the request's end."
        ),
        here=(
            "The DBAPIError is logged on app.logger and the session is dropped; the teardown"
            " goes on and the next context gets a new session."
        ),
        reason="A database outage must not also break every request's teardown.",
        levels=("3.1", "2.5"),
    ),
    Difference(
        id="v2-db-superset",
        area="2.5 level: extension",
        upstream=(
            "Flask-SQLAlchemy 2.5.1's db has the 2.x API only; db.Table is a function, and"
            " the SQLAlchemy names of sqlalchemy.__all__ and sqlalchemy.orm.__all__ are"
            " copied onto the db."
        ),
        here=(
            "The db is also the 3.1 level's: db.get_or_404, db.first_or_404, db.one_or_404,"
            " db.paginate, db.engines, db.sessionmaker and create_all(bind_key=) work; db.Table"
            " is a class; db.<name> forwards any public name of sqlalchemy, then"
            " sqlalchemy.orm (SQLAlchemy 2.x has no __all__). Not db.metadatas, by which"
            " extensions tell the versions apart (Flask-Migrate's multi-database env.py). A"
            " model_class that is a SQLAlchemy 2.x DeclarativeBase is refused with a TypeError"
            " naming the 3.1 level."
        ),
        reason=(
            "An app moves its call sites to the 3.x forms while still at the 2.5 level, so"
            " the switch to 3.1 changes as little as possible at once."
        ),
        levels=("2.5",),
    ),
    Difference(
        id="v2-no-warning-filter",
        area="2.5 level: extension",
        upstream=(
            "Importing flask_sqlalchemy 2.5.1 runs warnings.simplefilter('always',"
            " FSADeprecationWarning), changing the process's warning filters."
        ),
        here="No warning filter is installed; FSADeprecationWarning follows the app's filters.",
        reason="An import must not change process-wide state (the style guide's rule).",
        levels=("2.5",),
    ),
    Difference(
        id="v2-pagination-superset",
        area="2.5 level: pagination",
        upstream=(
            "2.5.1's Pagination has no first, last or iteration, and paginate() has no"
            " count argument."
        ),
        here=(
            "The 2.x Pagination is a subclass of the 3.1 level's (first, last, iterating"
            " the items), and BaseQuery.paginate(count=False) skips the count query."
        ),
        reason="The same as v2-db-superset: 3.x forms work before the switch.",
        levels=("2.5",),
    ),
    Difference(
        id="engines-disposed-at-fork",
        area="extension",
        upstream=(
            "Engines created before os.fork() (gunicorn --preload, uWSGI without lazy-apps,"
            " Celery's prefork pool) keep their pooled connections in every child process,"
            " so that several processes talk through one connection."
        ),
        here=(
            "Each engine's pool is disposed of in the child with engine.dispose(close=False):"
            " a child opens its own connections, the parent's stay open. Set"
            " FSS_DISPOSE_AT_FORK = False to keep Flask-SQLAlchemy's behaviour."
        ),
        reason=(
            "A shared connection mixes up the processes' statements and results: with"
            " gunicorn --preload -w 4, most requests failed or hung on Flask-SQLAlchemy"
            " (tests/scaling/test_fork.py)."
        ),
    ),
    Difference(
        id="extension-entries",
        area="extension",
        upstream="init_app adds one entry to app.extensions: 'sqlalchemy', the db object.",
        here=(
            "init_app also adds 'fss_compat.scoped_session' (the session current_session"
            " returns) and 'fss_compat.legacy' (the app's legacy modes and usage report); a"
            " recording app (SQLALCHEMY_RECORD_QUERIES) gets 'fss_compat.record_queries'."
        ),
        reason=(
            "State belongs to the app it describes, so two apps in one process never share"
            " it; app.extensions is where Flask extensions keep such state."
        ),
        levels=("3.1", "2.5"),
    ),
)

_BY_ID = {difference.id: difference for difference in DIFFERENCES}


def get(id: str) -> Difference:
    """Return the difference with this id.

    :raises KeyError: for an id that is not registered (an unlisted difference is a bug).
    """
    return _BY_ID[id]


def render_markdown() -> str:
    """Render the registry as the Markdown page ``docs/differences.md``."""
    lines = [
        "# Intentional differences from Flask-SQLAlchemy 3.1.1",
        "",
        "Generated from `fss_compat/differences.py`; edit that file, then run",
        "`python -c \"import fss_compat.differences as d; print(d.render_markdown(), end='')\""
        " > docs/differences.md`.",
        "Anything that behaves differently and is not listed here is a bug: please report it.",
        "Differences of the 2.5 level are from Flask-SQLAlchemy 2.5.1 and say so.",
    ]
    for difference in DIFFERENCES:
        upstream = (
            "Flask-SQLAlchemy 2.5.1" if "3.1" not in difference.levels else "Flask-SQLAlchemy"
        )
        lines += [
            "",
            f"## `{difference.id}` ({difference.area})",
            "",
            f"- **{upstream}:** {difference.upstream}",
            f"- **fss_compat:** {difference.here}",
            f"- **Why:** {difference.reason}",
        ]
        if "2.5" in difference.levels and "3.1" in difference.levels:
            lines.append("- **Levels:** 3.1 and 2.5 (the same against Flask-SQLAlchemy 2.5.1)")
    return "\n".join(lines) + "\n"
