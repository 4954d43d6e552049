"""Which account-wide baseline parts an environment's <org>-<env>-baseline stack holds, from the
configuration alone: the stack (stacks/baseline_stack.py) and the post-deploy smoke test
(scripts/smoke_test.py) both read it here.

The account-wide parts exist once per account and region: an environment sharing its account with
an earlier one (shared_account_reason) gets only its budget, the first one holds the rest.
"""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.loaded import MeshConfig
from mesh_config.organization import BaselinePart

ACCOUNT_PARTS = (
    BaselinePart.ACCOUNT_BASELINE,
    BaselinePart.GUARDDUTY,
    BaselinePart.SECURITY_HUB,
    BaselinePart.ACCESS_ANALYZER,
    BaselinePart.CONFIG,
)


def account_parts(config: MeshConfig, env_config: EnvironmentConfig) -> tuple[BaselinePart, ...]:
    """The account-wide parts this environment's baseline stack holds."""
    organization = config.mesh.organization
    if organization is None:
        return ()
    first = next(e for e in config.environments if e.account == env_config.account and e.region == env_config.region)
    if first.name != env_config.name:
        return ()
    return tuple(p for p in ACCOUNT_PARTS if organization.owns_part(p))


def has_baseline_stack(config: MeshConfig, env_config: EnvironmentConfig) -> bool:
    return env_config.budget is not None or bool(account_parts(config, env_config))
