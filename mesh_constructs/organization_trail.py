"""The organisation CloudTrail (``AWS::CloudTrail::Trail`` with IsOrganizationTrail), in the
management account, writing to the log-archive bucket of another account. The bucket and key are
named, not referenced: CDK refuses references between stacks of different accounts, and both
names follow from the configuration (mesh_config/naming.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cloudtrail as cloudtrail
from constructs import Construct


@dataclass(frozen=True)
class OrganizationTrailProps:
    """``key_arn``: the log-archive key, by its alias ARN (KMS accepts an alias ARN for a key of
    another account, and CloudTrail's KMSKeyId takes an alias ARN)."""

    trail_name: str
    bucket_name: str
    key_arn: str


class OrganizationTrail(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: OrganizationTrailProps) -> None:
        super().__init__(scope, construct_id)
        self.trail = cloudtrail.CfnTrail(
            self,
            "Resource",
            trail_name=props.trail_name,
            is_logging=True,
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            s3_bucket_name=props.bucket_name,
            kms_key_id=props.key_arn,
        )
