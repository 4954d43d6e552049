"""A DataZone policy granted to a project on a domain unit and its children."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aws_cdk import aws_datazone as datazone
from constructs import Construct

Detail = datazone.CfnPolicyGrant.PolicyGrantDetailProperty


class ProjectPolicy(StrEnum):
    CREATE_GLOSSARY = "CREATE_GLOSSARY"
    CREATE_FORM_TYPE = "CREATE_FORM_TYPE"


def _detail(policy: ProjectPolicy) -> Detail:
    if policy is ProjectPolicy.CREATE_GLOSSARY:
        return Detail(
            create_glossary=datazone.CfnPolicyGrant.CreateGlossaryPolicyGrantDetailProperty(
                include_child_domain_units=True
            )
        )
    return Detail(
        create_form_type=datazone.CfnPolicyGrant.CreateFormTypePolicyGrantDetailProperty(
            include_child_domain_units=True
        )
    )


@dataclass(frozen=True)
class ProjectGrantProps:
    """The grant reaches the project's owners (designation OWNER), who curate what it creates;
    the mesh's handler identity is one of them."""

    domain_id: str
    domain_unit_id: str
    project_id: str
    policy: ProjectPolicy


class ProjectGrant(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ProjectGrantProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = datazone.CfnPolicyGrant(
            self,
            "Resource",
            domain_identifier=props.domain_id,
            entity_type="DOMAIN_UNIT",
            entity_identifier=props.domain_unit_id,
            policy_type=props.policy.value,
            detail=_detail(props.policy),
            principal=datazone.CfnPolicyGrant.PolicyGrantPrincipalProperty(
                project=datazone.CfnPolicyGrant.ProjectPolicyGrantPrincipalProperty(
                    project_designation="OWNER", project_identifier=props.project_id
                )
            ),
        )
