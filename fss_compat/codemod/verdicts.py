"""From a site a family found (a :class:`Candidate`) to a judged :class:`Finding`.

The verdict needs every module's facts (the :class:`~fss_compat.codemod.project.Index`):
``migrate`` has them and judges at once; ``scan`` reads each file once and judges its
candidates when all files are read.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable

from fss_compat import catalogue
from fss_compat.codemod.project import Index
from fss_compat.codemod.subjects import ALWAYS
from fss_compat.codemod.subjects import OnClass
from fss_compat.codemod.subjects import OnDb
from fss_compat.codemod.subjects import OnDbSetup
from fss_compat.codemod.subjects import OnDynamic
from fss_compat.codemod.subjects import OnModel
from fss_compat.codemod.subjects import Subject

__all__ = ["Candidate", "ClassJudge", "Finding", "Status", "judge"]


class Status(str, enum.Enum):
    """What ``migrate`` does with a finding."""

    #: Rewritten (a safe rule, or a conditional one whose condition holds).
    FIX = "fix"
    #: Rewritten only with ``--unsafe``.
    UNSAFE = "unsafe"
    #: Left alone: the condition of a conditional rule does not hold; the message says why.
    BLOCKED = "blocked"
    #: Left to a person: ``migrate`` adds a TODO comment.
    MANUAL = "manual"


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A site a family found, before the index says whether it counts.

    :param blocked: why a conditional rule's condition fails here; ``""`` when it holds.
    :param data: the rewrite's payload (a table name, a base class's qualified name).
    """

    line: int
    feature: str
    rewrite: str
    message: str
    subject: Subject = ALWAYS
    blocked: str = ""
    data: str = ""


@dataclasses.dataclass(frozen=True)
class Finding:
    """A judged site: where, which rule, and what ``migrate`` does with it."""

    path: str
    module: str
    line: int
    feature: str
    rewrite: str
    status: Status
    message: str
    #: What the site is about: the model, the ``db`` or the class (qualified names), or the
    #: attribute name of a dynamic relationship.
    subject: str = ""
    data: str = ""
    #: Another rule rewrites the site (FSC403 a dynamic relationship that FSC104 reports):
    #: ``migrate`` puts no TODO comment there.
    superseded: bool = False

    @property
    def key(self) -> str:
        """``FSC201.get``."""
        return f"{self.feature}.{self.rewrite}"


#: A family's judge of :class:`OnClass` candidates: the candidate as it counts, or None.
ClassJudge = Callable[[Candidate, Index], "Candidate | None"]


def judge(
    candidate: Candidate, index: Index, path: str, module: str, judge_class: ClassJudge
) -> Finding | None:
    """Turn a candidate into a finding, or None when its subject is not what it needs."""
    c = candidate
    subject = ""
    superseded = False
    match c.subject:
        case OnModel(
            names=names,
            via_db=via_db,
            builder=builder,
            below=below,
            method=method,
            through=through,
            events=events,
        ):
            model = index.model_below(names[0]) if below else index.model(names)
            if not model:
                return None
            data = index.model_db(model)
            if via_db:
                data = index.db(via_db)
                if not data:
                    return None
            if index.custom_query(model, method) and not builder:
                why = (
                    f"'{model.rpartition('.')[2]}' has a custom query_class, whose methods are"
                    " the app's own"
                )
                rewrites = {r.name for r in catalogue.get(c.feature).rewrites}
                if "unsupported" in rewrites:
                    c = dataclasses.replace(c, rewrite="unsupported", message=f"{c.message}; {why}")
                else:  # a rule without a rewrite for it (FSC701, FSC605): left as it is
                    c = dataclasses.replace(c, blocked=c.blocked or why)
            crossing = [(f, user) for f in through for user in index.users(f, module)]
            if crossing and not index.custom_query(model, method):
                function, user = crossing[0]
                c = dataclasses.replace(
                    c,
                    rewrite="builder",
                    message=f"{c.message}; it crosses modules: '{user}' uses '{function}'",
                )
            heard = [event for event in events if event in index.bulk_events]
            if heard and not c.blocked:
                why = f"the project listens to '{heard[0]}', which only the Query method fires"
                c = dataclasses.replace(c, blocked=why)
            subject = names[0] if below else model
            c = dataclasses.replace(c, data=c.data or data)
        case OnDb(names=names, member=member, dynamic=dynamic):
            subject = index.db_member(names, member) if member else index.db(names)
            if not subject:
                return None
            superseded = bool(dynamic) and index.rewritten_dynamic.issuperset(dynamic)
        case OnDbSetup(names=names, constructor=constructor, config_key=key):
            if key not in index.config_keys:
                return None
            subject = index.sqlalchemy_class(names) if constructor else index.db(names)
            if not subject:
                return None
        case OnDynamic(name=name):
            if name not in index.dynamic_attributes():
                return None
            superseded = name in index.rewritten_dynamic
            subject = name
        case OnClass(qname=qname):
            judged = judge_class(c, index)
            if judged is None:
                return None
            c, subject = judged, qname
    safety = catalogue.get(c.feature).rewrite(c.rewrite).safety
    if safety is catalogue.Safety.MANUAL:
        status = Status.MANUAL
    elif c.blocked:
        status = Status.BLOCKED
    elif safety is catalogue.Safety.UNSAFE:
        status = Status.UNSAFE
    else:
        status = Status.FIX
    message = f"{c.message}: {c.blocked}" if c.blocked else c.message
    if superseded:
        message += "; FSC403 rewrites it and its uses (no TODO comment)"
    return Finding(
        path, module, c.line, c.feature, c.rewrite, status, message, subject, c.data, superseded
    )
