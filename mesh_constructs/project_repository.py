"""A project's Git repository, as SMUS takes it: the Tooling blueprint's gitConnectionArn,
gitFullRepositoryId and gitBranchName, set in the project's UserParameters for the profile's Tooling
environment configuration (mesh_config/repositories.py says where that comes from), and marked
editable in the profile so that a project may set them.

AWS::DataZone::Project's UserParameters is not create-only (CloudFormation provider schema:
createOnlyProperties are ProjectProfileId, DomainIdentifier, MembershipAssignments,
ProjectCategory, ProjectExecutionRole), so adding a repository to a deployed project updates it in
place (UpdateProject with userParameters), never replaces it. No Connection resource: the
repository is the Tooling environment's, and AWS::DataZone::Connection has no Git properties in
its schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_datazone as datazone

from mesh_config.repositories import (
    GIT_BRANCH_PARAMETER,
    GIT_CONNECTION_PARAMETER,
    GIT_PARAMETERS,
    GIT_REPOSITORY_PARAMETER,
)


@dataclass(frozen=True)
class GitRepository:
    """``tooling``: the name of the Tooling environment configuration in the project's profile."""

    connection_arn: str
    repository: str
    branch: str
    tooling: str

    def values(self) -> dict[str, str]:
        return {
            GIT_CONNECTION_PARAMETER: self.connection_arn,
            GIT_REPOSITORY_PARAMETER: self.repository,
            GIT_BRANCH_PARAMETER: self.branch,
        }

    def user_parameter_json(self) -> dict[str, object]:
        """``user_parameter`` as the template writes it (for template fragments)."""
        return {
            "EnvironmentConfigurationName": self.tooling,
            "EnvironmentParameters": [{"Name": name, "Value": value} for name, value in self.values().items()],
        }

    def user_parameter(self) -> datazone.CfnProject.EnvironmentConfigurationUserParameterProperty:
        return datazone.CfnProject.EnvironmentConfigurationUserParameterProperty(
            environment_configuration_name=self.tooling,
            environment_parameters=[
                datazone.CfnProject.EnvironmentParameterProperty(name=name, value=value)
                for name, value in self.values().items()
            ],
        )


def tooling_overrides(
    overrides: dict[str, tuple[str | None, bool]], with_repositories: bool
) -> dict[str, tuple[str | None, bool]]:
    """A profile environment's overrides; for a Tooling environment whose projects set a repository,
    with the Git parameters editable and without a value (each project sets its own). Overrides
    the configuration gives for them are kept (validated editable)."""
    if not with_repositories:
        return overrides
    return {**overrides, **{name: (None, True) for name in GIT_PARAMETERS if name not in overrides}}
