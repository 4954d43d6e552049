"""JSON Schemas of the YAML files, for editor completion and validation.

python -m mesh_config.schema schemas     # (re)writes schemas/*.schema.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from mesh_config.environment import EnvironmentConfig
from mesh_config.mesh import MeshDefinition

SCHEMAS: dict[str, type[BaseModel]] = {
    "mesh.schema.json": MeshDefinition,
    "environment.schema.json": EnvironmentConfig,
}


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(directory: str) -> None:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, model in SCHEMAS.items():
        (out / name).write_text(render(model), encoding="utf-8")
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "schemas")
