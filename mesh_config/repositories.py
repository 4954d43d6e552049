"""A project's Git repository: the Tooling environment SMUS provisions for the project clones it into
the project's JupyterLab IDE, and the project's notebooks, queries and workflows are versioned there.

SMUS's mechanism (read from AWS's own material; docs/repositories.md cites it): the managed Tooling
blueprint has three parameters, ``gitConnectionArn``, ``gitFullRepositoryId`` and ``gitBranchName``
(its resolved parameters in a project profile, as the AWS sample project profiles list them). A
project sets them in its ``UserParameters`` for the profile's Tooling environment configuration, and
the profile must mark them editable. Without them the Tooling environment creates a CodeCommit
repository of its own (provisioned resource ``codeRepositoryName``); with them its provisioned
resources name the connection, the repository and the branch instead (the SMUS JupyterLab
extension reads either).

A CodeConnections connection belongs to one account: each environment account needs its own
connection to the Git provider, so the connection is given per environment.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mesh_config.formats import ConnectionArn, Slug, _format

# The Tooling blueprint's parameters (see above) and the DataZone API's limits on a Git repository
# id and a branch (botocore datazone GitPropertiesInput: repositoryId [a-zA-Z0-9._-]+(/...)+,
# defaultBranch [a-zA-Z0-9._/-]+, both at most 256 characters).
GIT_CONNECTION_PARAMETER = "gitConnectionArn"
GIT_REPOSITORY_PARAMETER = "gitFullRepositoryId"
GIT_BRANCH_PARAMETER = "gitBranchName"
GIT_PARAMETERS = (GIT_CONNECTION_PARAMETER, GIT_REPOSITORY_PARAMETER, GIT_BRANCH_PARAMETER)

FullRepositoryId = Annotated[
    _format(
        r"^[a-zA-Z0-9._-]+(/[a-zA-Z0-9._-]+)+$",
        "the repository's full id owner/name (GitLab: group/subgroup/project), as the Git provider shows it",
    ),
    Field(max_length=256),
]
BranchName = Annotated[
    _format(r"^[a-zA-Z0-9._/-]+$", "a branch name: letters, digits, '.', '_', '-' and '/'"),
    Field(max_length=256),
]


EXAMPLE_CONNECTION_ID = "5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"


class ProjectRepository(BaseModel):
    """The Git repository of one project, in the environments whose connection is given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repository: FullRepositoryId = Field(
        description="the repository's full id owner/name (GitLab: group/subgroup/project)",
        examples=["acme-data/finance-reporting"],
    )
    branch: BranchName = Field("main", description="the branch the project's IDE checks out and pushes to")
    connections: dict[Slug, ConnectionArn] = Field(
        min_length=1,
        description=(
            "environment -> a CodeConnections connection to the Git provider in that environment's account (a "
            "connection belongs to one account; made available to SMUS as docs/repositories.md says); the project "
            "gets the repository in these environments only"
        ),
        examples=[
            {"dev": "arn:aws:codeconnections:eu-west-1:123456789012:connection/5f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"}
        ],
    )

    def connection_in(self, env: str) -> str | None:
        return self.connections.get(env)


def connection_account(arn: str) -> str:
    """The account of a CodeConnections connection ARN (its fifth field)."""
    return arn.split(":")[4]
