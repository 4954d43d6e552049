"""A project profile: which blueprints a new project gets, and how."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from aws_cdk import Stack
from aws_cdk import aws_datazone as datazone
from constructs import Construct


class DeploymentMode(StrEnum):
    ON_CREATE = "ON_CREATE"
    ON_DEMAND = "ON_DEMAND"


@dataclass(frozen=True)
class ProfileEnvironmentSpec:
    """One environment configuration. ``parameter_overrides``: name -> (value, editable); no value
    for one each project sets (mesh_constructs/project_repository.py).
    ``deployment_order`` applies to ON_CREATE environments only."""

    name: str
    blueprint_id: str
    deployment_mode: DeploymentMode = DeploymentMode.ON_CREATE
    deployment_order: int | None = 0
    description: str = ""
    parameter_overrides: Mapping[str, tuple[str | None, bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectProfileProps:
    """``domain_unit_id``: unit that owns the profile (usually the root unit, so every unit
    can use it). Environments are provisioned in the stack's own account and region."""

    domain_id: str
    domain_unit_id: str
    name: str
    environments: Sequence[ProfileEnvironmentSpec]
    description: str = ""


class ProjectProfile(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ProjectProfileProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.profile = datazone.CfnProjectProfile(
            self,
            "Resource",
            domain_identifier=props.domain_id,
            domain_unit_identifier=props.domain_unit_id,
            name=props.name,
            description=props.description or None,
            status="ENABLED",
            environment_configurations=[
                datazone.CfnProjectProfile.EnvironmentConfigurationProperty(
                    name=env.name,
                    description=env.description or None,
                    environment_blueprint_id=env.blueprint_id,
                    deployment_mode=env.deployment_mode.value,
                    deployment_order=env.deployment_order if env.deployment_mode is DeploymentMode.ON_CREATE else None,
                    aws_account=datazone.CfnProjectProfile.AwsAccountProperty(aws_account_id=stack.account),
                    aws_region=datazone.CfnProjectProfile.RegionProperty(region_name=stack.region),
                    configuration_parameters=datazone.CfnProjectProfile.EnvironmentConfigurationParametersDetailsProperty(
                        parameter_overrides=[
                            datazone.CfnProjectProfile.EnvironmentConfigurationParameterProperty(
                                name=name, value=value, is_editable=editable
                            )
                            for name, (value, editable) in env.parameter_overrides.items()
                        ]
                    )
                    if env.parameter_overrides
                    else None,
                )
                for env in props.environments
            ],
        )
        self.profile_id: str = self.profile.attr_id
