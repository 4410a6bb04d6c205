"""Python types for the typed-model rules: what a column holds, and how a module spells it.

A :class:`PyType` names a type by qualified names (``builtins.list[app.models.Post]``), so
it can be decided in one module and written in another. :func:`sql_python_type` maps a
SQLAlchemy column type to the Python type its values have, along the type's MRO (a
dialect's ``postgresql.JSONB`` is a ``JSON``). :class:`Spelling` writes a type in a given
module: it reuses the module's imports and asks for the missing ones.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
import typing as t
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

if sys.version_info >= (3, 11):
    import tomllib
else:  # the 'migrate' extra installs tomli on Python 3.10
    import tomli as tomllib

__all__ = [
    "ANY",
    "PyType",
    "Spelling",
    "Target",
    "project_target",
    "sql_python_type",
    "sqlalchemy_class",
]


@dataclasses.dataclass(frozen=True)
class PyType:
    """A Python type by qualified names: ``PyType("builtins.list", (PyType("builtins.int"),))``.

    :param qname: the class (``datetime.datetime``), or ``typing.Any``.
    :param args: the type arguments, for a generic (``list``, ``dict``, ``set``).
    :param forward: written as a string (``"Post"``): a model named in a relationship.
    """

    qname: str
    args: tuple[PyType, ...] = ()
    forward: bool = False


ANY = PyType("typing.Any")
_INT = PyType("builtins.int")
_STR = PyType("builtins.str")
_FLOAT = PyType("builtins.float")
_DECIMAL = PyType("decimal.Decimal")

#: SQLAlchemy type classes and the Python type of their values, looked up along the MRO of
#: a column's type (the first class found wins, so subclasses come before their bases).
#: ``JSON`` holds any JSON value (an object, a list, a number, ...) and ``PickleType`` any
#: picklable object: both are typed ``Any``, which is what they hold.
_SQL_TYPES: dict[type[t.Any], PyType] = {
    mysql.SET: PyType("builtins.set", (_STR,)),
    sa.PickleType: ANY,
    sa.Interval: PyType("datetime.timedelta"),
    sa.Integer: _INT,
    sa.Float: _FLOAT,
    sa.Numeric: _DECIMAL,
    sa.Enum: _STR,
    sa.String: _STR,
    sa.Boolean: PyType("builtins.bool"),
    sa.DateTime: PyType("datetime.datetime"),
    sa.Date: PyType("datetime.date"),
    sa.Time: PyType("datetime.time"),
    sa.LargeBinary: PyType("builtins.bytes"),
    sa.BINARY: PyType("builtins.bytes"),
    sa.VARBINARY: PyType("builtins.bytes"),
    sa.Uuid: PyType("uuid.UUID"),
    sa.JSON: ANY,
}


def sqlalchemy_class(qname: str) -> type[t.Any] | None:
    """The SQLAlchemy type class ``qname`` names (``sqlalchemy.String``), or None."""
    module, _, name = qname.rpartition(".")
    if module != "sqlalchemy" and not module.startswith("sqlalchemy."):
        return None
    try:
        value = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    if isinstance(value, type) and issubclass(value, sa.types.TypeEngine):
        return value
    return None


def sql_python_type(kind: type[t.Any], keywords: t.Mapping[str, object]) -> PyType | None:
    """The Python type a column of SQLAlchemy type ``kind`` holds, or None when not known.

    :param keywords: the literal keyword arguments of the type's call: ``asdecimal`` turns a
        ``Numeric`` into ``float`` values and a ``Float`` into ``Decimal`` ones;
        ``as_uuid=False`` makes a ``Uuid`` hold strings.
    """
    for base in kind.__mro__:
        found = _SQL_TYPES.get(base)
        if found is None:
            continue
        if found in (_FLOAT, _DECIMAL) and "asdecimal" in keywords:
            return _DECIMAL if keywords["asdecimal"] else _FLOAT
        if found.qname == "uuid.UUID" and keywords.get("as_uuid") is False:
            return _STR
        return found
    return None


@dataclasses.dataclass(frozen=True)
class Target:
    """The oldest Python the project supports; None when unknown.

    :param version: ``(3, 10)``; ``None`` writes the forms every version reads.
    """

    version: tuple[int, int] | None = None

    @property
    def union_syntax(self) -> bool:
        """Whether ``X | None`` may be written (Python 3.10+, evaluated at class creation)."""
        return self.version is not None and self.version >= (3, 10)


_LOWER = re.compile(r"(>=|~=|==|>)\s*3\.(\d+)")


def _version(text: object, pattern: str) -> tuple[int, int] | None:
    found = re.fullmatch(pattern, str(text).strip()) if text is not None else None
    return (3, int(found.group(1))) if found else None


def project_target(paths: Iterable[str | Path]) -> Target:
    """The oldest Python of the project around ``paths``, from its ``pyproject.toml``.

    ``requires-python``'s lower bound first, then Ruff's ``target-version``, then mypy's
    ``python_version``; ``Target(None)`` when no ``pyproject.toml`` above the paths says.
    """
    for raw in paths:
        folder = Path(raw).resolve()
        for candidate in [folder, *folder.parents]:
            pyproject = candidate / "pyproject.toml"
            if pyproject.is_file():
                return _target(pyproject)
    return Target()


def _target(pyproject: Path) -> Target:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Target()
    requires = data.get("project", {}).get("requires-python")
    if isinstance(requires, str):
        bounds = [(3, int(minor)) for _, minor in _LOWER.findall(requires)]
        if bounds:
            return Target(max(bounds))
    tool = data.get("tool", {})
    version = _version(tool.get("ruff", {}).get("target-version"), r"py3(\d+)")
    version = version or _version(tool.get("mypy", {}).get("python_version"), r"3\.(\d+)")
    return Target(version)


Import = tuple[str, str | None, str | None]


class Spelling:
    """Writes qualified names as one module's expressions, reusing its imports.

    :param bindings: the module's top-level names and the qualified name each is bound to.
    :param taken: other names that must not be shadowed or relied on (the attributes of
        the class the annotation is written in: ``date: Mapped[date]`` would read the
        attribute).
    """

    def __init__(self, bindings: t.Mapping[str, str], taken: Iterable[str] = ()) -> None:
        self.bindings = dict(bindings)
        self.taken = frozenset(taken)
        #: ``(module, name or None, alias or None)`` for AddImportsVisitor.
        self.imports: list[Import] = []

    def _free(self, name: str) -> bool:
        return name not in self.bindings and name not in self.taken

    def _add(self, name: str, qname: str, request: Import) -> str:
        self.bindings[name] = qname
        if request not in self.imports:
            self.imports.append(request)
        return name

    def reference(self, qname: str) -> str:
        """An expression for ``qname`` in this module, importing it when needed."""
        module, _, name = qname.rpartition(".")
        if module == "builtins":
            if name not in self.taken and self.bindings.get(name, qname) == qname:
                return name
            return f"{self._module('builtins')}.{name}"
        for alias, bound in sorted(self.bindings.items()):
            if bound == qname and alias not in self.taken:
                return alias
        for alias, bound in sorted(self.bindings.items()):
            if bound == module and alias not in self.taken:
                return f"{alias}.{name}"
        if self._free(name):
            return self._add(name, qname, (module, name, None))
        return f"{self._module(module)}.{name}"

    def _module(self, module: str) -> str:
        for alias, bound in sorted(self.bindings.items()):
            if bound == module and alias not in self.taken:
                return alias
        head = module.split(".")[0]
        if "." not in module and self._free(head):
            return self._add(head, module, (module, None, None))
        alias = "_" + module.replace(".", "_")
        return self._add(alias, module, (module, None, alias))

    def annotation(self, kind: PyType, optional: bool, target: Target) -> str:
        """``kind`` as an annotation, ``| None`` or ``Optional[...]`` around it if ``optional``."""
        text = self.write(kind)
        if not optional:
            return text
        # '"Post" | None' is an error when evaluated: a string has no '|'.
        if target.union_syntax and not kind.forward:
            return f"{text} | None"
        return f"{self.reference('typing.Optional')}[{text}]"

    def write(self, kind: PyType) -> str:
        """``kind`` as an expression of this module."""
        if kind.forward:
            return repr(kind.qname.rpartition(".")[2]).replace("'", '"')
        text = self.reference(kind.qname)
        if kind.args:
            text += "[" + ", ".join(self.write(arg) for arg in kind.args) + "]"
        return text
