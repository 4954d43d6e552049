"""How a change is promoted into one environment (`promotion:` in <env>.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Promotion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    manual_approval: bool = Field(False, description="wait for a manual approval before deploying")
    approvers: list[str] = Field(
        default_factory=list,
        description="who must approve, shown in the approval request (e.g. 'Senior Data Engineer')",
    )
    confirm_permissions_broadening: bool = Field(
        False, description="pause for review when the deployment would broaden IAM permissions"
    )
