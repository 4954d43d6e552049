"""<org>-<env>-baseline: what an environment account gets around the mesh:
its cost budget, and, where mesh.yaml's organization owns them, the account-wide S3 Block Public
Access and EBS encryption by default, GuardDuty, Security Hub, IAM Access Analyzer and AWS Config.

Which parts an environment's stack holds: mesh_config/account_parts.py (the smoke test reads it too).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.account_parts import account_parts, has_baseline_stack
from mesh_config.organization import BaselinePart
from mesh_constructs.account_baseline import AccountBaseline
from mesh_constructs.account_budget import AccountBudget, AccountBudgetProps
from mesh_constructs.config_recorder import ConfigRecorder, ConfigRecorderProps
from mesh_constructs.detective_services import access_analyzer, guardduty_detector, security_hub

__all__ = ["BaselineStack", "account_parts", "baseline_description", "has_baseline_stack"]


def baseline_description(config: MeshConfig, env_config: EnvironmentConfig) -> str:
    parts = (["budget"] if env_config.budget is not None else []) + [
        p.value.replace("_", " ") for p in account_parts(config, env_config)
    ]
    return ", ".join(parts)


class BaselineStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        parts = account_parts(config, env_config)
        self.budget: AccountBudget | None = None
        if env_config.budget is not None:
            self.budget = AccountBudget(
                self, "Budget", AccountBudgetProps(name=naming.budget(), budget=env_config.budget)
            )
        self.account_baseline = (
            AccountBaseline(self, "AccountBaseline") if BaselinePart.ACCOUNT_BASELINE in parts else None
        )
        self.guardduty = guardduty_detector(self, "GuardDuty") if BaselinePart.GUARDDUTY in parts else None
        self.security_hub = security_hub(self, "SecurityHub") if BaselinePart.SECURITY_HUB in parts else None
        self.access_analyzer = (
            access_analyzer(self, "AccessAnalyzer", naming.stack("access-analyzer"))
            if BaselinePart.ACCESS_ANALYZER in parts
            else None
        )
        self.config_recorder: ConfigRecorder | None = None
        if BaselinePart.CONFIG in parts:
            assert config.mesh.organization is not None  # parts are empty without it
            self.config_recorder = ConfigRecorder(
                self,
                "Config",
                ConfigRecorderProps(
                    name=naming.stack("config"),
                    bucket_name=naming.bucket("config"),
                    rules=config.mesh.organization.audit.config_rules,
                ),
            )
            if self.security_hub is not None:
                # Security Hub's controls read the recorder's items.
                self.security_hub[0].add_resource_dependency(self.config_recorder.recorder)
