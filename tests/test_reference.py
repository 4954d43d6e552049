"""The configuration reference is generated from the models: current, complete, and its examples valid."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter

from mesh_config.environment import EnvironmentConfig
from mesh_config.mesh import MeshDefinition
from mesh_config.reference import DEFAULT_OUTPUT, render


def test_committed_reference_is_current():
    committed = DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert committed == render(), "docs/reference/configuration-reference.md is stale: run `make docs`"


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from root's fields (nested in lists, unions and mappings too)."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.append(annotation)
                for info in annotation.model_fields.values():
                    visit(info.annotation)
            return
        for arg in getattr(annotation, "__args__", ()):
            visit(arg)
        origin = getattr(annotation, "__origin__", None)
        if origin is Annotated:
            visit(annotation.__origin__)

    visit(root)
    return found


@pytest.mark.parametrize("root", [MeshDefinition, EnvironmentConfig])
def test_every_key_of_every_model_is_in_the_reference(root):
    text = render()
    for model in _models(root):
        for key, info in model.model_fields.items():
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is missing from the reference"
            # The text follows the models: each description appears as written (tables escape '|').
            if info.description:
                assert " ".join(info.description.split()).replace("|", "\\|") in text, f"{model.__name__}.{key}"


@pytest.mark.parametrize("root", [MeshDefinition, EnvironmentConfig])
def test_every_example_a_field_gives_is_accepted_by_that_field(root):
    checked = 0
    for model in _models(root):
        for info in model.model_fields.values():
            for example in info.examples or []:
                annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
                # Raises, naming the constraint, when the example is one the field refuses.
                TypeAdapter(annotation).validate_python(example)
                checked += 1
    assert checked > 0
