#!/usr/bin/env python3
"""CDK entry point: environments/*.yaml -> one Stage per environment.

Context:
  mesh_dir   folder with mesh.yaml and one <env>.yaml per environment: -c mesh_dir=DIR, else the
             MESH_DIR environment variable, else cdk.json's mesh_dir, else environments
             (mesh_config/mesh_dir.py decides, for the CLI and the change plan too)
  direct     true: synthesize the stages themselves, without the pipeline (sandbox accounts,
             first deployment before the pipeline exists): the organisation stage first (when
             mesh.yaml has an `organization` section; docs/organization.md), then the
             environments. Default: the pipeline stack, whose stages are deployed by the pipeline.

cdk.json runs it as `python -O app.py`: -O skips the jsii bindings' runtime type checks (typeguard
on every construct argument, a sixth of a large synth's Python time). The test suite runs without
-O, so every construct call of every template shape is still type-checked there. The app itself
has no assert statements for -O to remove.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before aws_cdk is imported, which starts the jsii kernel (Node) with this environment: a larger
# young generation than V8's default (16 MB) cuts the kernel's garbage collection, a tenth of a
# large synth's CPU (benchmark/RESULTS.md; memory grows by about three times the setting).
# Only when run as the app: a module importing it (the tests) keeps its environment.
if __name__ == "__main__" and "--max-semi-space-size" not in os.environ.get("NODE_OPTIONS", ""):
    os.environ["NODE_OPTIONS"] = f"{os.environ.get('NODE_OPTIONS', '')} --max-semi-space-size=64".strip()

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from mesh_config import ConfigError, ConfigIssue, MeshConfig, load_mesh
from mesh_config.mesh_dir import resolve_cdk_context
from mesh_config.naming import pipeline_stack_name
from mesh_constructs.acknowledge import BUILTIN_VALIDATION_CONTEXT
from stacks import MeshStage
from stacks.organization_stage import OrganizationStage, has_organization_stage
from stacks.pipeline_stack import PipelineStack
from stacks.sharing_stages import SharedDataStage, SharesStage, sharing_consumers, sharing_producers

APP_ROOT = Path(__file__).resolve().parent


def add_stages(scope: cdk.App | cdk.Stack, config: MeshConfig) -> list[cdk.Stage]:
    """The organisation's stage (management account: OUs, guardrails, permission sets; when the mesh
    owns a part of it), one MeshStage per environment in promotion order, then the sharing stages
    (producers, then consumers): `cdk deploy` them in this order."""
    envs = list(config.environments)
    stages: list[cdk.Stage] = [OrganizationStage(scope, config=config)] if has_organization_stage(config) else []
    stages += [MeshStage(scope, env.name, config=config, env_config=env) for env in envs]
    stages += [SharesStage(scope, config=config, env_config=env) for env in sharing_producers(config, envs)]
    stages += [SharedDataStage(scope, config=config, env_config=env) for env in sharing_consumers(config, envs)]
    return stages


def build_app(app: cdk.App) -> cdk.App:
    mesh_dir = resolve_cdk_context(app.node.try_get_context("mesh_dir"), Path.cwd()).path
    config = load_mesh(mesh_dir)
    if str(app.node.try_get_context("direct")).lower() == "true":
        add_stages(app, config)
    else:
        pipeline = config.mesh.pipeline
        if pipeline is None:
            raise ConfigError([missing_pipeline(mesh_dir)])
        PipelineStack(
            app,
            pipeline_stack_name(config.mesh.org),
            config=config,
            mesh_dir=repository_path(mesh_dir),
            env=cdk.Environment(account=pipeline.account, region=pipeline.region),
        )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def repository_path(mesh_dir: str) -> str:
    """The mesh folder as the pipeline's checkout sees it: relative to the repository root."""
    try:
        return Path(mesh_dir).resolve().relative_to(APP_ROOT).as_posix()
    except ValueError:
        return mesh_dir


def missing_pipeline(mesh_dir: str) -> ConfigIssue:
    return ConfigIssue(
        f"{mesh_dir}/mesh.yaml",
        "pipeline",
        "no 'pipeline' section: the default synth builds the deployment pipeline",
        "add 'pipeline' (account, region, connection_arn, repository, branch) or synthesize the stages "
        "directly with: cdk synth -c direct=true",
    )


def builtin_validation() -> bool:
    """Whether CDK's built-in CloudFormation validation runs: cfn-lint's rules compiled to
    WebAssembly, about half the CPU of a synth (4.7 s of engine start-up, then some 1.7 ms a
    resource; benchmark/RESULTS.md). It runs where it guards a deployment, in the pipeline's synth
    step (CDK_VALIDATION=true) and in the test suite over every template shape beside cfn-lint; a
    local `cdk synth` skips it unless CDK_VALIDATION=true. cdk-nag runs on every synth regardless."""
    return os.environ.get("CDK_VALIDATION", "").strip().lower() == "true"


def new_app() -> cdk.App:
    """The app with the validation setting, told to the constructs too: what they add only for the
    built-in validation (E3019 acknowledgments) is left out when it does not run."""
    validation = builtin_validation()
    # No tree.json: the construct tree with every construct's properties, read by IDE explorers,
    # never by cdk diff/deploy or the pipeline, and 5 % of a large synth's Node time.
    return cdk.App(
        builtin_cloud_formation_validation=validation,
        tree_metadata=False,
        # No creation stack trace on every resource in the cloud assembly (5 % of a large synth; CDK
        # still records them with CDK_DEBUG=true). In cdk.json the CLI would warn of a reserved key.
        context={BUILTIN_VALIDATION_CONTEXT: validation, "aws:cdk:disable-creation-stack-traces": True},
    )


def main() -> None:
    try:
        build_app(new_app()).synth()
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
