"""Where the deployment pipeline lives and what it deploys from (mesh.yaml `pipeline:`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import AccountId, ConnectionArn, Email, Region, RepositoryPath
from mesh_config.synth_compute import SynthCompute


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
    synth_compute: SynthCompute | None = Field(
        default=None,
        description=(
            "CodeBuild compute of the synth step: SMALL (3 GB), MEDIUM (7 GB), LARGE (15 GB) or X2_LARGE (145 GB). "
            "Default: chosen from the size of the mesh (mesh_config/synth_compute.py); set it when the synth says "
            "it ran out of memory"
        ),
    )
