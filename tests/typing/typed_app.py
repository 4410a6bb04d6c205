"""A user's app on fss_compat that type-checks under ``mypy --strict`` (CI checks it).

``class User(db.Model)`` cannot type-check: to mypy ``db`` is a variable, so ``db.Model``
is not a class it can use as a base (Flask-SQLAlchemy has the same limit, upstream #1327).
The pattern below keeps ``db.Model`` at run time and gives type checkers a real class:
``db.Model`` is, at run time, a subclass of both the app's ``Base`` and fss_compat's
``Model`` (which declares ``query``), so the alias tells the checker the truth.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat.shims.model import Model as ModelMixin
from fss_compat.shims.pagination import SelectPagination
from fss_compat.shims.query import Query


class Base(orm.DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

if t.TYPE_CHECKING:

    class Model(ModelMixin, Base):
        __abstract__ = True

else:
    Model = db.Model


class User(Model):
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(50))
    notes: orm.Mapped[list[Note]] = db.relationship(back_populates="user")


class Note(Model):
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("user.id"))
    user: orm.Mapped[User] = db.relationship(back_populates="notes")


# db.Table type-checks with the columns alone and with a bind key, as it runs.
note_tags = db.Table("note_tags", sa.Column("note_id", sa.ForeignKey("note.id")))
audit_log = db.Table("audit_log", sa.Column("id", sa.Integer), bind_key="audit")


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_BINDS"] = {"audit": "sqlite://"}
    db.init_app(app)
    return app


def add_user(name: str) -> User:
    user = User(name=name, notes=[Note()])
    db.session.add(user)
    db.session.commit()
    return user


def find(user_id: int) -> User:
    # Under --strict (warn_return_any) this fails if get_or_404 loses its precise type.
    return db.get_or_404(User, user_id)


def names() -> list[str]:
    return list(db.session.scalars(sa.select(User.name).order_by(User.id)))


def page(number: int) -> SelectPagination:
    return db.paginate(sa.select(User).order_by(User.id), page=number, per_page=2)


def legacy_query() -> Query:
    return User.query.filter_by(name="ada")


def plain_session_count() -> int:
    with db.sessionmaker() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(User))
    return count or 0
