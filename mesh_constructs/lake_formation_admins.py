"""The Lake Formation data-lake settings of an account: one writer in the mesh, which keeps what
others set (mesh_constructs/handlers/lake_formation_settings.py says how and why)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge
from mesh_constructs.datazone_handler import DataZoneHandler, DataZoneHandlerProps
from mesh_constructs.handler_role import HandlerRole

# PutDataLakeSettings and GetDataLakeSettings have no resource types (Service Authorization
# Reference, Lake Formation): IAM evaluates them against "*".
SETTINGS_ACTIONS = ("lakeformation:GetDataLakeSettings", "lakeformation:PutDataLakeSettings")


@dataclass(frozen=True)
class LakeFormationSettingsProps:
    """``admin_arns``: data-lake administrators (the CDK CloudFormation execution role, so later
    stacks may create databases and grants; the role the grants handlers run as).
    ``read_only_admin_arns``: principals that may read every resource's metadata and permissions
    (Lake Formation read-only administrators), without access to data or any change @default none.
    ``parameters``: settings parameters, e.g. {"CROSS_ACCOUNT_VERSION": "4"} @default none.
    ``retired_arns``: principals earlier versions of the mesh made administrators, to take off
    @default none. ``keep_on_delete_arns``: declared principals left in place when the resource is
    deleted @default none (every declared principal is removed). Every ARN must name an existing
    principal when the resource is deployed: Lake Formation refuses the settings otherwise."""

    admin_arns: Sequence[str]
    read_only_admin_arns: Sequence[str] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)
    retired_arns: Sequence[str] = ()
    keep_on_delete_arns: Sequence[str] = ()


class LakeFormationSettings(Construct):
    """``Custom::LakeFormationSettings``: every administrator, read-only administrator and parameter
    the mesh needs in this account, written together (read, merge, put), as MDAA writes them from
    one custom resource (lakeformation-settings-l3-construct). One per environment, in its domain
    stack: the first stack where every principal it names exists (the management role is made
    there), deployed before any stack that needs them (catalogs, products, shared data).

    ``AWS::LakeFormation::DataLakeSettings`` is not used: without ``MutationType: APPEND`` it
    replaces the admins the organisation and DataZone set, and with it, it is not documented to keep
    ``Parameters``; several of them per account each wrote the whole object.
    """

    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationSettingsProps) -> None:
        super().__init__(scope, construct_id)
        role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Writes the account's Lake Formation data-lake settings (the mesh's one writer of them)",
        )
        identity = HandlerRole(self, "HandlerIdentity", role)
        self.handler = DataZoneHandler(
            self,
            "Handler",
            DataZoneHandlerProps(
                module="lake_formation_settings",
                identity=identity,
                actions=(),
                statements=[iam.PolicyStatement(actions=list(SETTINGS_ACTIONS), resources=["*"])],
                description="Keeps the mesh's Lake Formation administrators and parameters in the account's settings",
                timeout_minutes=5,
            ),
        )
        acknowledge(
            identity.policy,
            "Lake Formation's GetDataLakeSettings / PutDataLakeSettings have no resource-level permissions; this "
            "function's role has them and nothing else of Lake Formation.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        self.resource = self.handler.resource(
            self,
            "Resource",
            "Custom::LakeFormationSettings",
            {
                "CatalogId": Stack.of(self).account,
                "Admins": list(props.admin_arns),
                "ReadOnlyAdmins": list(props.read_only_admin_arns),
                "Parameters": dict(props.parameters),
                "Retired": list(props.retired_arns),
                "KeepOnDelete": list(props.keep_on_delete_arns),
            },
            RemovalPolicy.DESTROY,
        )
