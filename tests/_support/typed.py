"""Build the typed-model rules' project knowledge from module sources, for their tests."""

from __future__ import annotations

import libcst as cst

from fss_compat.codemod import engine
from fss_compat.codemod import runner
from fss_compat.codemod.model_schema import collect
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.schema_index import SchemaIndex


def schema_for(sources: dict[str, str]) -> SchemaIndex:
    """The joined schema facts of ``sources`` (module name -> source)."""
    facts: list[ModuleFacts] = []
    schemas = []
    for module, source in sources.items():
        result = engine.run(
            source, f"{module}.py", module, False, runner.HANDLERS, runner.FINALIZERS
        )
        assert result.facts is not None, result.error
        facts.append(result.facts)
        schemas.append(collect(cst.parse_module(source), module, False))
    return SchemaIndex.build(schemas, Index.build(facts))
