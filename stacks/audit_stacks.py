"""The organisation's audit stacks: <org>-log-archive in the log-archive account
(the bucket and key the trail writes to) and <org>-trail in the management account (the
organisation CloudTrail), both in the organisation region. The log archive deploys first: the
trail's creation checks that it may write to the bucket."""

from __future__ import annotations

from typing import Any

from aws_cdk import Environment, Stack
from constructs import Construct

from mesh_config import MeshConfig
from mesh_config.audit_checks import organization_region
from mesh_config.naming import (
    cloudformation_execution_role_name,
    log_archive_access_logs_bucket_name,
    log_archive_bucket_name,
    log_archive_key_alias,
    log_archive_stack_name,
    organization_trail_name,
    trail_stack_name,
)
from mesh_config.organization import BaselinePart, Organization
from mesh_config.regions import partition_of
from mesh_constructs.log_archive_bucket import LogArchiveBucket, LogArchiveBucketProps
from mesh_constructs.organization_trail import OrganizationTrail, OrganizationTrailProps


def _organization(config: MeshConfig) -> Organization:
    if config.mesh.organization is None:
        raise ValueError("the audit stacks need mesh.yaml's organization section")
    return config.mesh.organization


def _log_archive(config: MeshConfig) -> tuple[Organization, str, str]:
    """The organisation, the log-archive account and the organisation region."""
    organization = _organization(config)
    if organization.log_archive_account is None:
        raise ValueError("the audit stacks need organization.log_archive_account (validated)")
    region = organization_region(config.mesh, config.environments[0].region)
    return organization, organization.log_archive_account, region


def trail_arn(config: MeshConfig) -> str:
    organization = _organization(config)
    region = organization_region(config.mesh, config.environments[0].region)
    name = organization_trail_name(config.mesh.org)
    return f"arn:{partition_of(region)}:cloudtrail:{region}:{organization.management_account}:trail/{name}"


class LogArchiveStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: MeshConfig, **kwargs: Any) -> None:
        organization, account, region = _log_archive(config)
        org = config.mesh.org
        super().__init__(
            scope,
            construct_id,
            stack_name=log_archive_stack_name(org),
            description=f"{org}: the organisation trail's log-archive bucket and key",
            env=Environment(account=account, region=region),
            termination_protection=True,
            **kwargs,
        )
        self.archive = LogArchiveBucket(
            self,
            "LogArchive",
            LogArchiveBucketProps(
                bucket_name=log_archive_bucket_name(org, account),
                access_logs_bucket_name=log_archive_access_logs_bucket_name(org, account),
                key_alias=log_archive_key_alias(org),
                trail_arn=trail_arn(config),
                management_account=organization.management_account,
                deployer_role_arn=(
                    f"arn:{self.partition}:iam::{account}:role/{cloudformation_execution_role_name(account, region)}"
                ),
                archive_after_days=organization.audit.archive_after_days,
                expire_after_days=organization.audit.expire_after_days,
            ),
        )


class TrailStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: MeshConfig, **kwargs: Any) -> None:
        organization, account, region = _log_archive(config)
        org = config.mesh.org
        super().__init__(
            scope,
            construct_id,
            stack_name=trail_stack_name(org),
            description=f"{org}: the organisation CloudTrail, into the log-archive account {account}",
            env=Environment(account=organization.management_account, region=region),
            termination_protection=True,
            **kwargs,
        )
        self.trail = OrganizationTrail(
            self,
            "Trail",
            OrganizationTrailProps(
                trail_name=organization_trail_name(org),
                bucket_name=log_archive_bucket_name(org, account),
                key_arn=f"arn:{self.partition}:kms:{region}:{account}:{log_archive_key_alias(org)}",
            ),
        )


def audit_stacks(scope: Construct, config: MeshConfig) -> list[Stack]:
    """The audit stacks the organization owns, the log archive first."""
    organization = config.mesh.organization
    if organization is None:
        return []
    stacks: list[Stack] = []
    archive: LogArchiveStack | None = None
    if organization.owns_part(BaselinePart.LOG_ARCHIVE):
        archive = LogArchiveStack(scope, "LogArchive", config=config)
        stacks.append(archive)
    if organization.owns_part(BaselinePart.TRAIL):
        trail = TrailStack(scope, "Trail", config=config)
        if archive is not None:
            trail.add_stack_dependency(archive)
        stacks.append(trail)
    return stacks
