"""The Lakehouse connection and the IAM role of SMUS projects, looked up at deploy time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler
from mesh_constructs.handlers.project_connections import attribute_suffix

# Actions the lookup handler calls (mesh_constructs/handlers/project_connections.py).
PROJECT_CONNECTIONS_ACTIONS = ("datazone:GetEnvironment", "datazone:ListConnections", "datazone:ListEnvironments")
# The connection SMUS creates for a project's Lakehouse Database (DataLake blueprint); a Glue
# data source imports through it (CICD-for-SageMakerUnifiedStudio docs list the default
# connections: project.default_lakehouse, project.athena, default.s3_shared, ...).
LAKEHOUSE_CONNECTION = "project.default_lakehouse"


@dataclass(frozen=True)
class ProjectConnectionsProps:
    """``projects``: key -> (project id, name of the Tooling environment in its profile). The
    handler's identity must be a member of every project (the caller adds the dependency on its
    memberships)."""

    domain_id: str
    projects: Mapping[str, tuple[str, str]]
    handler: DataZoneHandler
    connection_name: str = LAKEHOUSE_CONNECTION


class ProjectConnections(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ProjectConnectionsProps) -> None:
        super().__init__(scope, construct_id)
        self.resource = props.handler.resource(
            self,
            "Resource",
            "Custom::DataZoneProjectConnections",
            {
                "DomainId": props.domain_id,
                "ConnectionName": props.connection_name,
                "Projects": [
                    {"Key": k, "ProjectId": project_id, "EnvironmentName": env_name}
                    for k, (project_id, env_name) in sorted(props.projects.items())
                ],
            },
            RemovalPolicy.DESTROY,
        )

    def connection_id(self, key: str) -> str:
        return self.resource.get_att_string(f"ConnectionId{attribute_suffix(key)}")

    def role_arn(self, key: str) -> str:
        return self.resource.get_att_string(f"RoleArn{attribute_suffix(key)}")
