"""Lake Formation administrators of an account, added without replacing existing ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_lakeformation as lakeformation
from constructs import Construct


@dataclass(frozen=True)
class LakeFormationAdminsProps:
    """``admin_arns``: IAM role ARNs to make data-lake administrators, typically the CDK
    CloudFormation execution role so later stacks may create databases and grants. ``parameters``:
    the account's data-lake settings parameters, e.g. {"CROSS_ACCOUNT_VERSION": "4"}.
    ``read_only_admin_arns``: principals that may read every resource's metadata and permissions
    (Lake Formation read-only administrators), without access to data or any change."""

    admin_arns: Sequence[str] = ()
    parameters: Mapping[str, str] | None = None
    read_only_admin_arns: Sequence[str] = ()


class LakeFormationAdmins(Construct):
    """``AWS::LakeFormation::DataLakeSettings`` with ``MutationType: APPEND``.

    Without APPEND the resource *replaces* the account's admin list and would lock out the
    administrators the organisation already has.
    """

    def __init__(self, scope: Construct, construct_id: str, props: LakeFormationAdminsProps) -> None:
        super().__init__(scope, construct_id)
        self.settings = lakeformation.CfnDataLakeSettings(
            self,
            "Resource",
            admins=_principals(props.admin_arns),
            read_only_admins=_principals(props.read_only_admin_arns),
            mutation_type="APPEND",
            parameters=dict(props.parameters) if props.parameters else None,
        )


def _principals(arns: Sequence[str]) -> list[lakeformation.CfnDataLakeSettings.DataLakePrincipalProperty] | None:
    """The property for a list of principals; an empty list is left out of the template."""
    principal = lakeformation.CfnDataLakeSettings.DataLakePrincipalProperty
    return [principal(data_lake_principal_identifier=arn) for arn in arns] or None
