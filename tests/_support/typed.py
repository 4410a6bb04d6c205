"""The typed-model rules on module sources: their joined facts, and a run over all modules."""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst.codemod import Codemod
from libcst.codemod import CodemodContext
from libcst.codemod import TransformSuccess
from libcst.codemod import transform_module

from fss_compat.codemod import file_pass
from fss_compat.codemod.dynamic_relationships import DynamicRelationships
from fss_compat.codemod.dynamic_sites import plan_dynamic
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.model_schema import collect
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.schema_index import SchemaIndex
from fss_compat.codemod.typed_plans import KEY


def schema_for(sources: dict[str, str]) -> SchemaIndex:
    """The joined schema facts of ``sources`` (module name -> source)."""
    facts: list[ModuleFacts] = []
    schemas = []
    for module, source in sources.items():
        result = file_pass.scan_module(source, f"{module}.py", module, False)
        assert result.facts is not None, result.error
        facts.append(result.facts)
        schema = collect(cst.parse_module(source), module, False)
        # The uses of attributes only the scan records (FSC403's plan reads them).
        schema.uses = t.cast(ModuleSchema, result.facts.extra[KEY]).uses
        schemas.append(schema)
    return SchemaIndex.build(schemas, Index.build(facts))


def run(
    command: t.Callable[..., Codemod],
    sources: dict[str, str],
    target: Target | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Run one rule over every module of ``sources`` with their joined facts.

    :returns: the new sources, and the rule's warnings.
    """
    schema = schema_for(sources)
    extra: dict[str, t.Any] = {}
    if command is DynamicRelationships:
        extra["plan"] = plan_dynamic(schema, {m.module: m.uses for m in schema.modules})
    new: dict[str, str] = {}
    warnings: list[str] = []
    for module, source in sources.items():
        context = CodemodContext()
        rule = command(context, schema, module, target=target, **extra)
        result = transform_module(rule, source)
        assert isinstance(result, TransformSuccess), result
        new[module] = result.code
        warnings += result.warning_messages
    return new, warnings
