"""What a site's subject must be for the site to count: a model, a ``db``, a class, ...

A family reports a site with one of these (:meth:`~fss_compat.codemod.engine.Rule.report`);
:func:`~fss_compat.codemod.verdicts.judge` checks it against the project's index.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "ALWAYS",
    "Always",
    "OnClass",
    "OnDb",
    "OnDbSetup",
    "OnDynamic",
    "OnModel",
    "Subject",
]


@dataclasses.dataclass(frozen=True)
class Always:
    """The site counts as it is (an import, a config key)."""


@dataclasses.dataclass(frozen=True)
class OnModel:
    """The site counts when one of ``names`` is a concrete model.

    :param names: the qualified names the receiver may stand for.
    :param via_db: for ``db.session.query(Model)``: the names of that ``db``, which must be
        one; the rewrite then uses it instead of the model's.
    :param builder: a chain built and not run here, which a custom query class does not
        turn into an ``unsupported`` site.
    :param below: ``names`` is the class of ``cls`` or ``self`` in one of its methods: the
        site counts when it or a subclass is a concrete model.
    :param method: the query method the site calls, for a rule without an ``unsupported``
        rewrite: a custom query class that does not define it keeps Flask-SQLAlchemy's.
    :param through: for a value built here and run elsewhere in the module: the module-level
        functions it is returned from or passed to. When another scanned module uses one of
        them, the value crosses modules and the site is a ``builder``, left to a person.
    :param events: legacy events the call fires and its rewrite does not
        (``after_bulk_delete``): when any scanned module names one, the site is blocked.
    """

    names: tuple[str, ...]
    via_db: tuple[str, ...] = ()
    builder: bool = False
    below: bool = False
    method: str = ""
    through: tuple[str, ...] = ()
    events: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class OnDb:
    """The site counts when one of ``names`` is a ``db`` (a ``SQLAlchemy`` instance).

    :param member: instead, one of ``names`` must be this attribute of a ``db``
        (``relationship`` for an alias ``relationship = db.relationship``).
    :param dynamic: the attributes of the dynamic collections the site declares: when a
        family rewrites them all (see :attr:`Index.rewritten_dynamic`), the finding is
        :attr:`Finding.superseded`.
    """

    names: tuple[str, ...]
    member: str = ""
    dynamic: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class OnDbSetup:
    """The site counts when the app's config may set ``config_key`` (anywhere in the
    scanned code) and ``names`` is a ``db`` (``db.init_app(app)``) or, with
    ``constructor``, the ``SQLAlchemy`` class (``SQLAlchemy(app)``).
    """

    names: tuple[str, ...]
    constructor: bool
    config_key: str


@dataclasses.dataclass(frozen=True)
class OnClass:
    """The site counts when the family's :meth:`Rule.judge_class` says so."""

    qname: str


@dataclasses.dataclass(frozen=True)
class OnDynamic:
    """The site counts when ``name`` is the attribute of a dynamic relationship (it is
    :attr:`Finding.superseded` when a family rewrites it: :attr:`Index.rewritten_dynamic`).
    """

    name: str


Subject = Always | OnModel | OnDb | OnDbSetup | OnClass | OnDynamic
ALWAYS = Always()
