"""What a role that DataZone assumes for a domain may do with the domain's KMS key."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

# Explicit actions instead of Key.grant_encrypt_decrypt's wildcards (ReEncrypt*, GenerateDataKey*).
KEY_USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")


def grant_domain_key_use(role: iam.IRole, key_arn: str) -> None:
    """Key use, plus grants only for AWS resources acting for the role.

    The grants let DataZone and the services it provisions (Glue, Redshift, SageMaker) encrypt
    on the role's behalf; ``kms:GrantIsForAWSResource`` keeps the role from handing the key to
    an arbitrary principal (MDAA common-domain-helper.ts, statement DomainKmsCreateGrant).
    The statements live in the role's policy, not the key policy: the key policy cannot name
    the manage-access role, whose trust names the domain, which names the key (a cycle).
    """
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(KEY_USE_ACTIONS), resources=[key_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["kms:CreateGrant"],
            resources=[key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
    )
