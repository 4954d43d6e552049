"""Consumer side of the Lake Formation shares of one account (e.g. prod-dev, prod-staging).

Deployed in a stage of its own after the producers' shares: the RAM invitations accepted where
the accounts are outside one organization, a Glue resource link per shared database, and the
consumer principals (project roles, named IAM roles) granted DESCRIBE on the link and SELECT on
the shared tables (through their data-cells filter where the share filters). The domain and
project ids come from SSM parameters the account's own stage published: CDK refuses references
across stages.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct

from mesh_config import EnvironmentConfig, MeshConfig
from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.datazone_handler_identity import DataZoneHandlerIdentity, DataZoneHandlerIdentityProps
from mesh_constructs.lake_formation_grants import (
    DATABASE,
    GlueDatabaseRef,
    LakeFormationGrant,
    LakeFormationGrants,
    LakeFormationGrantsProps,
    lake_formation_grants_handler,
)
from mesh_constructs.project_connections import PROJECT_CONNECTIONS_ACTIONS, ProjectConnections, ProjectConnectionsProps
from mesh_constructs.ram_invitations import RamInvitations, RamInvitationsProps
from mesh_constructs.resource_link import ResourceLink, ResourceLinkProps

# GetResourceShareInvitations (a list) has no resource type; AcceptResourceShareInvitation acts on a
# resource-share-invitation, whose ram:ShareOwnerAccountId condition key names the sharing account
# (Service Authorization Reference, as cfn-lint ships it).
RAM_INVITATIONS_REASON = (
    "RAM's GetResourceShareInvitations only lists invitations and has no resource-level permissions; accepting "
    "one is allowed separately, on invitations only."
)
RAM_ACCEPT_REASON = (
    "Invitation ARNs are generated per share; AcceptResourceShareInvitation is limited to invitations of shares "
    "owned by the producer accounts (ram:ShareOwnerAccountId condition)."
)


class SharedDataStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: MeshConfig, env_config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        naming = config.naming(env_config)
        consumed = config.shares_consumed_by(env_config)
        environments = {e.name: e for e in config.environments}

        def published(*parts: str) -> str:
            return ssm.StringParameter.value_for_string_parameter(self, naming.ssm_parameter(*parts))

        domain_id = published("domain-id")
        self.identity = DataZoneHandlerIdentity(
            self,
            "HandlerIdentity",
            DataZoneHandlerIdentityProps(
                domain_id=domain_id,
                domain_arn=self.format_arn(service="datazone", resource="domain", resource_name=domain_id),
                root_domain_unit_id=published("root-domain-unit-id"),
                role_name=naming.share_handler_role(),
                description="Links and grants the Lake Formation shares this account receives",
            ),
        )
        accepted: list[IConstruct] = []
        senders = sorted({environments[s.producer].account for s, c in consumed if c.accept_ram_invitation})
        invitations = self.format_arn(
            service="ram", account="*", resource="resource-share-invitation", resource_name="*"
        )
        if senders:
            ram_handler = DataZoneHandler(
                self,
                "RamHandler",
                DataZoneHandlerProps(
                    module="ram_invitation",
                    identity=self.identity,
                    actions=(),
                    statements=[
                        iam.PolicyStatement(actions=["ram:GetResourceShareInvitations"], resources=["*"]),
                        iam.PolicyStatement(
                            actions=["ram:AcceptResourceShareInvitation"],
                            resources=[invitations],
                            conditions={"StringEquals": {"ram:ShareOwnerAccountId": senders}},
                        ),
                    ],
                    description="Accepts the AWS RAM invitations of the Lake Formation shares received",
                ),
            )
            accepted = [
                RamInvitations(
                    self, f"Accept-{sender}", RamInvitationsProps(sender_account=sender, handler=ram_handler)
                )
                for sender in senders
            ]

        self.links: dict[str, ResourceLink] = {}
        producer_tables: list[tuple[str, str]] = []  # (producer account, database)
        for share, _ in consumed:
            producer = environments[share.producer]
            database = config.shared_database(share)
            producer_tables.append((producer.account, database))
            link_name = naming.resource_link(database)
            if link_name not in self.links:
                link = ResourceLink(
                    self,
                    f"Link-{database}",
                    ResourceLinkProps(
                        name=link_name,
                        producer_account=producer.account,
                        producer_database=database,
                        producer_region=producer.region,
                        description=f"{database} of {share.producer} ({producer.account}), shared by Lake Formation",
                    ),
                )
                link.node.add_dependency(*accepted)
                self.links[link_name] = link

        keys = config.share_principal_projects(env_config)
        self.connections: ProjectConnections | None = None
        if keys:
            projects = {p.key: p for p in config.mesh.projects}
            ids = {key: published("projects", key, "id") for key in keys}
            memberships = [
                self.identity.own_project(self, f"HandlerMember-{key}", ids[key], "PROJECT_CONTRIBUTOR") for key in keys
            ]
            handler = DataZoneHandler(
                self,
                "ConnectionsHandler",
                DataZoneHandlerProps(
                    module="project_connections",
                    identity=self.identity,
                    actions=PROJECT_CONNECTIONS_ACTIONS,
                    description="Looks up the roles of the projects that receive shared tables",
                ),
            )
            self.connections = ProjectConnections(
                self,
                "Connections",
                ProjectConnectionsProps(
                    domain_id=domain_id,
                    projects={k: (ids[k], config.tooling_environment_name(projects[k], env_config)) for k in keys},
                    handler=handler,
                ),
            )
            self.connections.node.add_dependency(*memberships)

        grants: list[LakeFormationGrant] = []
        for share, consumer in consumed:
            producer = environments[share.producer]
            database = config.shared_database(share)
            principals = [self.connections.role_arn(k) for k in consumer.principals.projects if self.connections]
            principals += [
                self.format_arn(service="iam", region="", resource="role", resource_name=r)
                for r in consumer.principals.roles
            ]
            for principal in principals:
                grants.append(LakeFormationGrant(principal, naming.resource_link(database), ("DESCRIBE",), DATABASE))
                for table in share.tables:
                    data_filter = config.data_cells_filter_name(share, consumer, table)
                    grants.append(
                        LakeFormationGrant(
                            principal,
                            database,
                            ("SELECT",) if data_filter else ("DESCRIBE", "SELECT"),
                            table,
                            catalog_id=producer.account,
                            data_cells_filter=data_filter,
                        )
                    )
        # It re-grants what the producer shared with this account: as a data-lake administrator
        # (the account's grants role, from its own stage's foundation).
        grants_handler = lake_formation_grants_handler(
            self,
            naming.lake_formation_grants_role(),
            [GlueDatabaseRef(link) for link in sorted(self.links)]
            + [GlueDatabaseRef(db, account) for account, db in sorted(set(producer_tables))],
            "Grants the shared tables to this account's consumer principals",
            # The account's own stage (deployed before the sharing stages) holds the registry.
            naming.lake_formation_grant_registry(),
        )
        self.grants = LakeFormationGrants(
            self,
            "ConsumerGrants",
            LakeFormationGrantsProps(name=naming.stack("shared-data"), grants=grants, handler=grants_handler),
        )
        self.grants.node.add_dependency(*self.links.values())
        if senders:
            acknowledge(self.identity.policy, RAM_INVITATIONS_REASON, "AwsSolutions-IAM5[Resource::*]")
            acknowledge(
                self.identity.policy, RAM_ACCEPT_REASON, wildcard_resource_finding(self.identity.policy, invitations)
            )
