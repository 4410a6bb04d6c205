"""The blog's app factory and views."""

from __future__ import annotations

import typing as t

import click
import sqlalchemy as sa
from flask import Flask
from flask import abort
from flask import redirect
from flask import render_template_string
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from examples.blog.models import AuditEntry
from examples.blog.models import Comment
from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db
from fss_compat import paginate, first_or_404, get_or_404, page_from_request, keyset_paginate

PAGE = """<!doctype html>
<title>Blog</title>
{% for post in page.items %}
  <h2><a href="{{ url_for('show_post', post_id=post.id) }}">{{ post.title }}</a></h2>
  <p>by <a href="{{ url_for('show_user', name=post.author.name) }}">{{ post.author.name }}</a></p>
{% else %}
  <p>No posts.</p>
{% endfor %}
<nav>
{% for number in page.iter_pages() %}
  {% if number is none %}<span class=gap>&hellip;</span>
  {% elif number == page.page %}<strong>{{ number }}</strong>
  {% else %}<a href="{{ url_for(endpoint, page=number, **args) }}">{{ number }}</a>{% endif %}
{% endfor %}
</nav>
<p>{{ page.first }}-{{ page.last }} of {{ page.total }}</p>
"""

# The archive pages with keyset cursors: a macro links to the pages around any such page.
ARCHIVE = """<!doctype html>
<title>Archive</title>
{% macro keyset_nav(page, endpoint) -%}
<nav>
  {%- if page.has_prev %}
  <a rel=prev href="{{ url_for(endpoint, cursor=page.prev_cursor, **kwargs) }}">Newer</a>
  {%- endif %}
  {%- if page.has_next %}
  <a rel=next href="{{ url_for(endpoint, cursor=page.next_cursor, **kwargs) }}">Older</a>
  {%- endif %}
</nav>
{%- endmacro %}
<ul>
{% for post in page %}
  <li><a href="{{ url_for('show_post', post_id=post.id) }}">{{ post.title }}</a></li>
{% else %}
  <li>No posts.</li>
{% endfor %}
</ul>
{{ keyset_nav(page, "archive") }}
"""

POST = """<!doctype html>
<title>{{ post.title }}</title>
<h1>{{ post.title }}</h1>
<p>{{ post.body }}</p>
<ul>
{% for comment in post.comments %}<li>{{ comment.author_name }}: {{ comment.body }}</li>{% endfor %}
</ul>
"""


def _audit(action: str, detail: str) -> None:
    db.session.add(AuditEntry(action=action, detail=detail))


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """Create the blog app; ``config`` overrides the defaults (SQLite files in ``instance/``)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
    app.config["SQLALCHEMY_BINDS"] = {"audit": "sqlite:///audit.db"}
    # Signs the archive's page cursors; set your own, secret, value in production.
    app.config["SECRET_KEY"] = "blog example key"
    app.config.update(config or {})
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.get("/")
    def index() -> str:
        page = paginate(
            db.session, sa.select(Post).order_by(Post.created.desc(), Post.id.desc()), page=page_from_request(), per_page=5
        )
        return render_template_string(PAGE, page=page, endpoint="index", args={})

    @app.get("/users/<name>")
    def show_user(name: str) -> str:
        user = first_or_404(
            db.session, sa.select(User).filter_by(name=name), description=f"No user {name!r}."
        )
        page = paginate(db.session, user.posts.select().order_by(Post.id.desc()), page=page_from_request(), per_page=5)
        return render_template_string(PAGE, page=page, endpoint="show_user", args={"name": name})

    @app.get("/posts/<int:post_id>")
    def show_post(post_id: int) -> str:
        post = get_or_404(db.session, Post, post_id, description=f"No post {post_id}.")
        return render_template_string(POST, post=post)

    @app.post("/posts")
    def create_post() -> Response:
        author = first_or_404(db.session, sa.select(User).filter_by(name=request.form["author"]).limit(1))
        post = Post(title=request.form["title"], body=request.form.get("body", ""), author=author)
        db.session.add(post)
        db.session.flush()
        _audit("create_post", f"post {post.id} by {author.name}")
        db.session.commit()
        return redirect(url_for("show_post", post_id=post.id))

    @app.post("/posts/<int:post_id>/comments")
    def add_comment(post_id: int) -> Response:
        post = get_or_404(db.session, Post, post_id)
        body = request.form.get("body", "").strip()
        if not body:
            abort(400, description="A comment needs a body.")
        post.comments.append(
            Comment(body=body, author_name=request.form.get("author", "anonymous"))
        )
        _audit("add_comment", f"on post {post.id}")
        db.session.commit()
        return redirect(url_for("show_post", post_id=post.id))

    @app.get("/archive")
    def archive() -> str:
        # Keyset pages: as fast at the end of the archive as at its start.
        posts = sa.select(Post).order_by(Post.created.desc(), Post.id.desc())
        page = keyset_paginate(db.session, posts, cursor=request.args.get("cursor"), per_page=5)
        return render_template_string(ARCHIVE, page=page)

    @app.get("/audit")
    def audit_log() -> dict[str, list[str]]:
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        return {"entries": [f"{entry.action}: {entry.detail}" for entry in entries]}

    @app.cli.command("seed")
    @click.option("--posts", default=12, help="How many posts to create.")
    def seed(posts: int) -> None:
        """Create a user with some posts and comments."""
        count = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
        user = User(name=f"writer{count + 1}")
        for n in range(1, posts + 1):
            post = Post(title=f"Post {n}", body=f"Text of post {n}.", author=user)
            post.comments.append(Comment(body="First!", author_name="reader"))
            db.session.add(post)
        _audit("seed", f"{posts} posts by {user.name}")
        db.session.commit()
        click.echo(f"Created {posts} posts by {user.name}.")

    return app
