"""Where the deployment pipeline lives and what it deploys from (mesh.yaml `pipeline:`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account: Annotated[str, Field(pattern=r"^\d{12}$")] = Field(description="tools / CI account id, quoted")
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")]
    connection_arn: Annotated[
        str,
        Field(
            pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+$"
        ),
    ] = Field(description="AWS CodeConnections connection to GitHub (Enterprise) or GitLab (self-managed)")
    repository: Annotated[str, Field(pattern=r"^[\w.-]+(/[\w.-]+)+$")] = Field(
        description="owner/repository (GitLab: group/subgroup/project)"
    )
    branch: Annotated[str, Field(min_length=1, max_length=255)] = "main"
    approval_notification_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list,
        description="addresses subscribed to an SNS topic told of every manual approval; none: no topic",
    )
