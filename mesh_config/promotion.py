"""How a change is promoted into one environment (`promotion:` in <env>.yaml)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import ApproverPrincipalArn, Slug
from mesh_config.permission_sets import PermissionSetPrincipal


class PromotionMode(StrEnum):
    PIPELINE = "pipeline"
    DIRECT = "direct"


class Promotion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: PromotionMode = Field(
        PromotionMode.PIPELINE,
        description=(
            "pipeline: deployed by the pipeline in the order of mesh.yaml's environments; direct: never deployed by "
            "the pipeline (sandboxes: cdk deploy -c direct=true '<env>/*'), so it can never block a promotion"
        ),
    )
    wave: Slug | None = Field(
        None,
        examples=["preprod"],
        description=(
            "pipeline environments with the same wave name, consecutive in mesh.yaml's order, are deployed in "
            "parallel in one pipeline stage"
        ),
    )
    manual_approval: bool = Field(False, description="wait for a manual approval before deploying")
    approvers: list[str] = Field(
        default_factory=list,
        description="who must approve, shown in the approval request (e.g. 'Senior Data Engineer')",
    )
    approver_principals: list[ApproverPrincipalArn | PermissionSetPrincipal] = Field(
        default_factory=list,
        examples=[
            ["arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ProdApprover_*"],
            [{"permission_set": "ProdApprovers"}],
        ],
        description=(
            "IAM principals (e.g. the approvers' IAM Identity Center permission-set roles, as an ARN with '*' "
            "allowed or {permission_set: <name>} for the set's role in the tools account) that may "
            "assume this environment's approver role, the only role granted codepipeline:PutApprovalResult on its "
            "approval"
        ),
    )
    confirm_permissions_broadening: bool = Field(
        False, description="pause for review when the deployment would broaden IAM permissions"
    )
