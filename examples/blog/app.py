"""The blog's app factory and views."""

from __future__ import annotations

import typing as t

import click
import sqlalchemy as sa
from flask import Flask

from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db


def create_app(config: dict[str, t.Any] | None = None) -> Flask:
    """Create the blog app; ``config`` overrides the defaults (a SQLite file in ``instance/``)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
    app.config.update(config or {})
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.get("/")
    def index() -> str:
        posts = db.session.scalars(sa.select(Post).order_by(Post.created.desc())).all()
        return "\n".join(f"{post.title} by {post.author.name}" for post in posts) or "No posts."

    @app.cli.command("seed")
    @click.option("--posts", default=25, help="How many posts to create.")
    def seed(posts: int) -> None:
        """Create a user and some posts."""
        user = User(name=f"user{db.session.scalar(sa.select(sa.func.count(User.id))) or 0}")
        db.session.add(user)
        db.session.add_all(Post(title=f"Post {n}", author=user) for n in range(posts))
        db.session.commit()
        click.echo(f"Created {posts} posts by {user.name}.")

    return app
