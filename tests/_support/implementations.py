"""The two implementations under test and the five ``model_class`` variants.

Every parity test is written once and runs on real Flask-SQLAlchemy 3.1.1 and on
fss_compat; the test id names the side (``flask_sqlalchemy`` / ``fss_compat``).
"""

from __future__ import annotations

import dataclasses
import importlib
import types
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

IMPLEMENTATIONS = ("flask_sqlalchemy", "fss_compat")
SA_21 = tuple(int(part) for part in sa.__version__.split(".")[:2]) >= (2, 1)
FSA_1420 = (
    "Flask-SQLAlchemy 3.1.1 cannot build a MappedAsDataclass db.Model on SQLAlchemy 2.1: it"
    " copies the base class body, which SQLAlchemy then refuses as already a dataclass"
    " (upstream #1420). fss_compat subclasses the base instead."
)


@dataclasses.dataclass(frozen=True)
class Impl:
    """One implementation under test: its package and its module mirror."""

    name: str

    @property
    def is_fsa(self) -> bool:
        return self.name == "flask_sqlalchemy"

    @property
    def module(self) -> types.ModuleType:
        return importlib.import_module(self.name)

    def shim(self, module: str) -> types.ModuleType:
        """``flask_sqlalchemy.<module>`` or ``fss_compat.shims.<module>``."""
        prefix = "flask_sqlalchemy" if self.is_fsa else "fss_compat.shims"
        return importlib.import_module(f"{prefix}.{module}")

    @property
    def SQLAlchemy(self) -> type[t.Any]:
        return self.module.SQLAlchemy  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class Variant:
    """A ``model_class`` Flask-SQLAlchemy accepts; ``base()`` makes a fresh one per test."""

    name: str
    declarative: type | None
    dataclass: bool

    def base(self, impl: Impl) -> type[t.Any]:
        if self.declarative is None:
            return t.cast("type[t.Any]", impl.shim("model").Model)
        bases = (orm.MappedAsDataclass, self.declarative) if self.dataclass else (self.declarative,)
        return types.new_class("Base", bases)

    def pk(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """A primary key ``mapped_column``, kept out of a dataclass ``__init__``."""
        if self.dataclass:
            kwargs.setdefault("init", False)
        return orm.mapped_column(*args, primary_key=True, **kwargs)

    def column(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """A ``mapped_column``; dataclass-only arguments (``init``, ``kw_only``, ``repr``)
        and ``init_default`` (the dataclass default) apply to dataclass variants only."""
        default = kwargs.pop("init_default", None)
        if not self.dataclass:
            for name in ("init", "kw_only", "repr"):
                kwargs.pop(name, None)
        elif kwargs.get("init", True):
            kwargs.setdefault("default", default)
        return orm.mapped_column(*args, **kwargs)


VARIANTS = (
    Variant("legacy", None, False),
    Variant("declarative", orm.DeclarativeBase, False),
    Variant("nometa", orm.DeclarativeBaseNoMeta, False),
    Variant("dataclass", orm.DeclarativeBase, True),
    Variant("dataclass_nometa", orm.DeclarativeBaseNoMeta, True),
)
