"""The data-lake buckets registered with Lake Formation, and the role it reads and writes them as."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lakeformation as lakeformation
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mesh_constructs.acknowledge import acknowledge, wildcard_resource_finding


@dataclass(frozen=True)
class DataLakeLocationsProps:
    """``buckets``: layer -> bucket to register (the layers data products live in); ``key``: the
    data-lake key that encrypts them; ``role_name``: the data-access role's name."""

    buckets: Mapping[str, s3.IBucket]
    key: kms.IKey
    role_name: str


class DataLakeLocations(Construct):
    """``AWS::LakeFormation::Resource`` per bucket, in **hybrid access mode**.

    Hybrid mode (HybridAccessEnabled) keeps every IAM-based reader and writer of these buckets
    working (ETL jobs, tables outside the mesh's catalogs) while the domain catalogs, created
    without IAMAllowedPrincipals, are governed by Lake Formation grants only. Full Lake Formation
    mode would cut every existing IAM consumer of the buckets the moment they are registered.
    Lake Formation vends credentials of ``role`` to integrated engines (Athena, Glue, EMR, Redshift
    Spectrum), so the role reads and writes the buckets and uses the data-lake key; the
    service-linked role cannot be given rights on a customer-managed key.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DataLakeLocationsProps) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "DataAccessRole",
            role_name=props.role_name,
            assumed_by=iam.ServicePrincipal("lakeformation.amazonaws.com"),
            description="Lake Formation reads and writes the registered data-lake locations as this role",
        )
        for bucket in props.buckets.values():
            bucket.grant_read_write(self.role)
        props.key.grant_encrypt_decrypt(self.role)
        # The GetAtt orders the registrations after the role; they also need its S3 and KMS rights.
        policy = self.role.node.find_child("DefaultPolicy")
        self.registrations: dict[str, lakeformation.CfnResource] = {}
        for layer, bucket in sorted(props.buckets.items()):
            registration = lakeformation.CfnResource(
                self,
                f"Register{layer.capitalize()}",
                resource_arn=bucket.bucket_arn,
                use_service_linked_role=False,
                role_arn=self.role.role_arn,
                hybrid_access_enabled=True,
            )
            registration.node.add_dependency(policy)
            self.registrations[layer] = registration
        acknowledge(
            policy,
            "Lake Formation vends this role's credentials for any table under the registered buckets, so it needs "
            "every object of them; the S3 action wildcards are what Bucket.grant_read_write writes on those buckets, "
            "the KMS ones what Key.grant_encrypt_decrypt writes on the data-lake key.",
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            *(wildcard_resource_finding(self, f"{b.bucket_arn}/*") for b in props.buckets.values()),
        )
