"""The SMUS domain of one account: domain, groups, unit tree, blueprints and profiles, and the
account's Lake Formation settings (administrators, read-only administrators, parameters)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Fn, NestedStack, Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_config.account_parts import account_parts
from mesh_config.blueprints import Blueprint
from mesh_config.naming import smoke_test_runner_role_name
from mesh_config.organization import BaselinePart, guarded_by_organization
from mesh_config.placement import construct_id_of, unit_stack_part
from mesh_config.promotion import PromotionMode
from mesh_config.tooling import profiles_with_repositories
from mesh_constructs import (
    BlueprintEnablement,
    BlueprintEnablementProps,
    DomainUnitSpec,
    DomainUnitTree,
    DomainUnitTreeProps,
    GroupProfiles,
    GroupProfilesProps,
    ProfileEnvironmentSpec,
    ProjectProfile,
    ProjectProfileProps,
    SmusDomain,
    SmusDomainProps,
)
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity, DataZoneHandlerIdentityProps
from mesh_constructs.lake_formation_admins import LakeFormationSettings, LakeFormationSettingsProps
from mesh_constructs.project_profile import DeploymentMode
from mesh_constructs.project_repository import tooling_overrides
from mesh_constructs.smus_domain import UserAssignment
from stacks.deployer import cloudformation_execution_role_arn
from stacks.management_access import management_identity
from stacks.network_stack import NetworkStack
from stacks.removal import stateful_removal_policy
from stacks.smoke_test_access import smoke_test_role


class DomainStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MeshConfig,
        env_config: EnvironmentConfig,
        project_storage_s3_uri: str,
        project_storage_key_arn: str,
        network: NetworkStack | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        mesh = config.mesh
        naming = config.naming(env_config)
        groups = mesh.identity_center.groups

        self.domain = SmusDomain(
            self,
            "Domain",
            SmusDomainProps(
                name=naming.domain(),
                description=mesh.domain.description,
                idc_instance_arn=env_config.identity_center_instance_arn,
                user_assignment=UserAssignment(mesh.domain.user_assignment.value),
                removal_policy=stateful_removal_policy(env_config),
            ),
        )
        domain_id = self.domain.domain_id

        self.groups = GroupProfiles(self, "Groups", GroupProfilesProps(domain_id=domain_id, groups=groups))
        self._naming = naming
        # layout.unit_stacks: each business unit's subtree in a nested stack (units-<n> of its
        # business unit's id), which CloudFormation deploys inside this stack's own deployment.
        self._unit_parts = {
            unit.id: part
            for unit in mesh.domain_units
            if (part := unit_stack_part(unit.id, config.units, mesh.layout)) is not None
        }
        self.unit_stacks: dict[str, NestedStack] = {}
        unit_scopes: dict[str, Construct] = {}
        for part in sorted(set(self._unit_parts.values()), key=lambda p: int(p.rpartition("-")[2])):
            self.unit_stacks[part] = NestedStack(
                self, construct_id_of(part), description=f"{mesh.org} {env_config.name}: domain units ({part})"
            )
            # The tree's own path below the nested stack: the same logical ids as in this stack.
            unit_scopes[part] = Construct(self.unit_stacks[part], "Units")
        # Tree nodes (owners, grants) must follow the group profiles they name.
        self.units = DomainUnitTree(
            self,
            "Units",
            DomainUnitTreeProps(
                domain_id=domain_id,
                root_domain_unit_id=self.domain.root_domain_unit_id,
                root_owner_groups={g: self.groups.group_id(g) for g in mesh.domain.administrators},
                scopes={key: unit_scopes[part] for key, part in self._unit_parts.items()},
                units=[
                    DomainUnitSpec(
                        key=unit.id,
                        name=naming.domain_unit(unit.id),
                        parent=unit.parent,
                        description=unit.description,
                        owner_groups={g: self.groups.group_id(g) for g in unit.owners},
                    )
                    for unit in mesh.domain_units
                ],
            ),
        )

        self.blueprints = BlueprintEnablement(
            self,
            "Blueprints",
            BlueprintEnablementProps(
                domain_id=domain_id,
                domain_arn=self.domain.domain_arn,
                domain_key_arn=self.domain.key.key_arn,
                root_domain_unit_id=self.domain.root_domain_unit_id,
                blueprints=[b.value for b in config.blueprints_in(env_config)],
                s3_location=env_config.project_artifacts_s3_uri or project_storage_s3_uri,
                s3_kms_key_arn=env_config.project_artifacts_kms_key_arn or project_storage_key_arn,
                # A created VPC through its stack's exports, a named one as written.
                vpc_id=network.vpc_id if network is not None else str(env_config.network.vpc_id),
                subnet_ids=network.subnet_ids if network is not None else env_config.network.subnet_ids,
            ),
        )

        self.profiles: dict[str, ProjectProfile] = {}
        # A profile whose projects set a Git repository lets them set the Tooling blueprint's Git
        # parameters (mesh_constructs/project_repository.py); the others are unchanged.
        with_repositories = profiles_with_repositories(mesh, env_config.name)
        for profile in config.profiles_in(env_config):
            self.profiles[profile.capability] = ProjectProfile(
                self,
                f"Profile-{profile.capability}",
                ProjectProfileProps(
                    domain_id=domain_id,
                    domain_unit_id=self.domain.root_domain_unit_id,
                    name=naming.project_profile(profile.capability),
                    description=profile.description,
                    environments=[
                        ProfileEnvironmentSpec(
                            name=env.name or env.blueprint.value,
                            blueprint_id=self.blueprints.blueprint_id(env.blueprint.value),
                            deployment_mode=DeploymentMode(env.deployment_mode.value),
                            deployment_order=env.deployment_order,
                            description=env.description,
                            parameter_overrides=tooling_overrides(
                                {o.name: (o.value, o.editable) for o in env.parameter_overrides},
                                env.blueprint is Blueprint.TOOLING and profile.capability in with_repositories,
                            ),
                        )
                        for env in profile.environments
                    ],
                ),
            )

        # The projects and governance stacks find a nested unit by its export's name: exported from
        # this stack (as CDK does for a nested stack's values) hundreds of ids would exceed its 200
        # outputs, while each nested stack holds a share of them.
        for key, part in self._unit_parts.items():
            CfnOutput(
                self.unit_stacks[part],
                f"UnitId-{key}",
                value=self.units.unit_id(key),
                export_name=naming.unit_export(key),
            )

        profile_ids = [p.profile_id for p in self.profiles.values()]
        for unit in mesh.domain_units:
            for group in unit.project_creators:
                self.units.allow_project_creation(unit.id, group, self.groups.group_id(group), profile_ids)
        # Every project member group must be in the member pool of its unit and all ancestors.
        for project in config.projects_in(env_config):
            for group in (*project.owners_in(env_config.name), *project.contributors_in(env_config.name)):
                self.units.add_to_member_pool(project.domain_unit, group, self.groups.group_id(group))

        if config.mesh.pipeline is not None and env_config.promotion.mode is PromotionMode.PIPELINE:
            self.smoke_test_role = smoke_test_role(
                self,
                role_name=naming.smoke_test_role(),
                tools_account=config.mesh.pipeline.account,
                runner_role_name=smoke_test_runner_role_name(mesh.org, env_config.name),
                domain_arn=self.domain.domain_arn,
                stack_name_prefix=naming.stack(""),
                account_settings=BaselinePart.ACCOUNT_BASELINE in account_parts(config, env_config),
            )

        # The datamesh CLI and console: assumed from the tools account.
        self.management = management_identity(self, config=config, env_config=env_config, domain=self.domain)
        self.lake_formation_settings = self._lake_formation_settings(config, env_config)

        # The shared-data stage of this account deploys after the producer's shares, in a stage of
        # its own: CDK refuses references across stages, so it reads these by name.
        if config.shares_consumed_by(env_config):
            for name, value in (("domain-id", domain_id), ("root-domain-unit-id", self.domain.root_domain_unit_id)):
                ssm.StringParameter(
                    self, f"Published-{name}", parameter_name=naming.ssm_parameter(name), string_value=value
                )

        self.domain_id_output = CfnOutput(self, "DomainId", value=domain_id)
        CfnOutput(self, "DomainName", value=naming.domain())
        CfnOutput(self, "PortalUrl", value=self.domain.portal_url)
        CfnOutput(self, "RootDomainUnitId", value=self.domain.root_domain_unit_id)

    def _lake_formation_settings(self, config: MeshConfig, env_config: EnvironmentConfig) -> LakeFormationSettings:
        """The account's one writer of its Lake Formation settings. Here because this is the first
        stack where every principal it names exists (the foundation's grants role, this stack's
        management role; Lake Formation refuses settings naming a role that does not exist), and
        it deploys before every stack that needs them: the catalogs' Glue databases and
        grants need the CloudFormation execution role to be an administrator."""
        naming = config.naming(env_config)

        def role(name: str) -> str:
            return self.format_arn(service="iam", region="", resource="role", resource_name=name)

        deployer = cloudformation_execution_role_arn(self)
        # A producer of Lake Formation shares needs cross-account version 4: hybrid-mode tables can
        # be shared without revoking IAMAllowedPrincipals, through RAM (Lake Formation guide,
        # "Updating cross-account data sharing version settings").
        parameters = {"CROSS_ACCOUNT_VERSION": "4"} if config.shares_produced_by(env_config) else {}
        return LakeFormationSettings(
            self,
            "LakeFormationSettings",
            LakeFormationSettingsProps(
                admin_arns=[deployer, role(naming.lake_formation_grants_role())],
                # ListPermissions shows other principals' grants only to administrators.
                read_only_admin_arns=[self.management.role.role_arn] if self.management else [],
                parameters=parameters,
                # The grants handlers ran as these DataZone identities (administrators) before
                # the account's grants role existed.
                retired_arns=[role(naming.catalog_handler_role()), role(naming.share_handler_role())],
                # Every CDK app of the account deploys with it; the bootstrap, not the mesh, owns it.
                keep_on_delete_arns=[deployer],
                # Named where the organisation's SCP must exempt it from its PutDataLakeSettings deny.
                role_name=(
                    naming.lake_formation_settings_role() if guarded_by_organization(config, env_config) else None
                ),
            ),
        )

    def handler_identity(
        self, scope: Construct, role_name: str, description: str | None = None
    ) -> DataZoneHandlerIdentity:
        """A DataZone identity of this domain for the custom resources of ``scope``'s stack."""
        props = DataZoneHandlerIdentityProps(
            domain_id=self.domain.domain_id,
            domain_arn=self.domain.domain_arn,
            root_domain_unit_id=self.domain.root_domain_unit_id,
            role_name=role_name,
            **({"description": description} if description else {}),
        )
        return DataZoneHandlerIdentity(scope, "HandlerIdentity", props)

    def unit_id(self, key: str, consumer: Construct) -> str:
        """The id of domain unit ``key`` for ``consumer``, a construct of another stack of this
        environment: a cross-stack reference to this stack, or (layout.unit_stacks) the import of its
        nested units stack's export, after which the consumer's stack must deploy explicitly, since
        no reference tells CDK."""
        part = self._unit_parts.get(key)
        if part is None:
            return self.units.unit_id(key)
        Stack.of(consumer).add_stack_dependency(self, f"imports the id of domain unit {key} ({part})")
        return Fn.import_value(self._naming.unit_export(key))

    def profile_id(self, capability: str) -> str:
        return self.profiles[capability].profile_id
