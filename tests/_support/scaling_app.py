"""The app the scaling tests and benchmarks serve with gunicorn: posts, read and written.

Configured from the environment, since gunicorn imports it by name:

* ``FSS_SCALING_IMPL``: ``fss_compat`` (the default) or ``flask_sqlalchemy``;
* ``FSS_SCALING_CONFIG``: the app's config as JSON (``SQLALCHEMY_DATABASE_URI``,
  ``FSS_REPLICAS``, ``FSS_PGBOUNCER``, ...).

As apps served with ``gunicorn --preload`` often do, it creates its tables at import, so
the engine's pool holds a connection when gunicorn forks the workers. An ``OperationalError``
(a database that cannot be reached) is a 503, any other error a 500; both name the error.
"""

from __future__ import annotations

import importlib
import json
import os
import time
import typing as t

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from flask import Flask
from flask import abort
from flask import request

IMPL = os.environ.get("FSS_SCALING_IMPL", "fss_compat")


class Base(orm.DeclarativeBase):
    pass


db: t.Any = importlib.import_module(IMPL).SQLAlchemy(model_class=Base)


class Post(db.Model):
    __tablename__ = "posts"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(80), unique=True)
    comments: orm.Mapped[int] = orm.mapped_column(default=0)


app = Flask(__name__)
app.config.update(json.loads(os.environ.get("FSS_SCALING_CONFIG", "{}")))
_options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
if "poolclass" in _options:
    # JSON has no classes: the benchmark names the pool class.
    _options["poolclass"] = getattr(sa.pool, _options["poolclass"])
db.init_app(app)


def _server() -> dict[str, t.Any]:
    """The database backend serving this session's reads now: its PID, and if it is a replica."""
    pid, replica = db.session.execute(
        sa.select(sa.func.pg_backend_pid(), sa.func.pg_is_in_recovery())
    ).one()
    return {"worker": os.getpid(), "backend": pid, "replica": replica}


def _hold() -> None:
    """Keep the worker busy ``?hold=`` seconds (at most 5): the next request goes elsewhere."""
    time.sleep(min(request.args.get("hold", 0.0, type=float), 5.0))


@app.get("/health")
def health() -> dict[str, t.Any]:
    """No database: which worker answered."""
    _hold()
    return {"worker": os.getpid()}


@app.get("/whoami")
def whoami() -> dict[str, t.Any]:
    """The backend, then ``?hold=``: the session keeps its connection while the worker waits."""
    server = _server()
    _hold()
    return server


@app.get("/posts/<int:ident>")
def show(ident: int) -> dict[str, t.Any]:
    post = db.session.get(Post, ident)
    if post is None:
        abort(404)
    return {"id": post.id, "title": post.title, "comments": post.comments, **_server()}


@app.get("/posts")
def index() -> dict[str, t.Any]:
    page = db.paginate(sa.select(Post).order_by(Post.id.desc()), page=1, per_page=10)
    return {"titles": [p.title for p in page.items], "total": page.total, **_server()}


@app.post("/posts")
def create() -> dict[str, t.Any]:
    """Write a post, then read it back in the same session: it must be there."""
    post = Post(title=request.form["title"])
    db.session.add(post)
    db.session.commit()
    seen = db.session.scalar(sa.select(sa.func.count()).where(Post.title == post.title))
    return {"id": post.id, "seen": seen == 1, "written": [post.title], **_server()}


@app.post("/batch")
def batch() -> dict[str, t.Any]:
    """Write five posts, committing each: one statement repeated over several transactions."""
    titles = [f"{request.form['title']}-{n}" for n in range(5)]
    for title in titles:
        db.session.add(Post(title=title))
        db.session.commit()
    return {"written": titles}


@app.get("/posts/<int:ident>/tenfold")
def tenfold(ident: int) -> dict[str, t.Any]:
    """Read one post ten times in one transaction, as an N+1 loop over related rows does."""
    for _ in range(10):
        post = db.session.get(Post, ident, populate_existing=True)
    return {"id": post.id if post else None, **_server()}


@app.post("/posts/<int:ident>/comments")
def comment(ident: int) -> dict[str, t.Any]:
    """Count a comment under a row lock (``SELECT ... FOR UPDATE``): no increment is lost."""
    post = db.session.get(Post, ident, with_for_update=True)
    if post is None:
        abort(404)
    post.comments += 1
    db.session.commit()
    return {"id": post.id, "comments": post.comments}


@app.errorhandler(sa_exc.OperationalError)
def unavailable(e: sa_exc.OperationalError) -> tuple[dict[str, str], int]:
    return {"error": type(e.orig).__name__, "message": str(e.orig)[:300]}, 503


@app.errorhandler(Exception)
def failed(e: Exception) -> tuple[dict[str, str], int]:
    if isinstance(e, sa_exc.DBAPIError):
        return {"error": type(e.orig).__name__, "message": str(e.orig)[:300]}, 500
    code = getattr(e, "code", None)
    if isinstance(code, int) and code < 500:
        return {"error": type(e).__name__, "message": str(e)[:300]}, code
    return {"error": type(e).__name__, "message": str(e)[:300]}, 500


with app.app_context():
    db.create_all()
