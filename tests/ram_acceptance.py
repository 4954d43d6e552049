"""The three-PROD-accounts variant with its first share's first consumer accepting RAM invitations
(outside one organization; not in the bundled examples), and that consumer's shared-data stack."""

from __future__ import annotations

import aws_cdk as cdk

from mesh_config import EnvironmentConfig, MeshConfig, load_mesh
from stacks.shared_data_stack import SharedDataStack
from tests.synth import ROOT, cdk_json_context

CONSUMER = "prod-dev"


def accepting_config() -> MeshConfig:
    config = load_mesh(ROOT / "examples" / "three-prod-accounts")
    share = config.mesh.shares[0]
    consumers = [share.consumers[0].model_copy(update={"accept_ram_invitation": True}), *share.consumers[1:]]
    mesh = config.mesh.model_copy(update={"shares": [share.model_copy(update={"consumers": consumers})]})
    return MeshConfig(mesh, config.environments)


def shared_data_stack(app: cdk.App, config: MeshConfig) -> SharedDataStack:
    env: EnvironmentConfig = config.environment(CONSUMER)
    return SharedDataStack(
        app, "SharedData", config=config, env_config=env, env=cdk.Environment(account=env.account, region=env.region)
    )


def shared_data_template() -> dict:
    app = cdk.App(context=cdk_json_context())
    stack = shared_data_stack(app, accepting_config())
    return app.synth().get_stack_by_name(stack.stack_name).template
