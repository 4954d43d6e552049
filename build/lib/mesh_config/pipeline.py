"""Where the deployment pipeline lives and what it deploys from (mesh.yaml `pipeline:`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import AccountId, ConnectionArn, Email, Region, RepositoryPath


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account: AccountId = Field(description="tools / CI account id, quoted")
    region: Region
    connection_arn: ConnectionArn = Field(
        description="AWS CodeConnections connection to GitHub (Enterprise) or GitLab (self-managed)"
    )
    repository: RepositoryPath = Field(description="owner/repository (GitLab: group/subgroup/project)")
    branch: Annotated[str, Field(min_length=1, max_length=255)] = "main"
    approval_notification_emails: list[Email] = Field(
        default_factory=list,
        description="addresses subscribed to an SNS topic told of every manual approval; none: no topic",
    )
