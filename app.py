#!/usr/bin/env python3
"""CDK entry point: environments/*.yaml -> one Stage per environment.

Context:
  mesh_dir   folder with mesh.yaml and one <env>.yaml per environment (default: environments)
"""

from __future__ import annotations

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from mesh_config import ConfigError, MeshConfig, load_mesh
from stacks import MeshStage

DEFAULT_MESH_DIR = "environments"


def add_stages(scope: cdk.App | cdk.Stack, config: MeshConfig) -> list[MeshStage]:
    """One MeshStage per environment, in promotion order. The pipeline reuses this."""
    return [MeshStage(scope, env.name, config=config, env_config=env) for env in config.environments]


def build_app(app: cdk.App) -> cdk.App:
    mesh_dir = app.node.try_get_context("mesh_dir") or DEFAULT_MESH_DIR
    config = load_mesh(mesh_dir)
    add_stages(app, config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> None:
    try:
        build_app(cdk.App()).synth()
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
