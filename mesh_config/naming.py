"""The naming conventions of the reference design, computed in one place.

Every physical name the app creates comes from here, and ``naming_rules`` lists the
CloudFormation constraints each one must satisfy so that validation can check them before
synthesis instead of CloudFormation failing half-way through a deployment.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mesh_config.governance import ENTERPRISE_SCOPE

if TYPE_CHECKING:
    from mesh_config.environment import EnvironmentConfig


@dataclass(frozen=True)
class NameRule:
    """A CloudFormation constraint on one kind of name."""

    kind: str
    pattern: str
    max_length: int

    def problems(self, name: str) -> list[str]:
        out = []
        if len(name) > self.max_length:
            out.append(f"{self.kind} name '{name}' is {len(name)} characters; the limit is {self.max_length}")
        if not re.fullmatch(self.pattern, name):
            out.append(f"{self.kind} name '{name}' does not match {self.pattern}")
        return out


# From the AWS::DataZone::* and AWS::S3::Bucket provider schemas.
DATAZONE_NAME = r"[\w -]+"
DOMAIN_RULE = NameRule("domain", DATAZONE_NAME, 64)
DOMAIN_UNIT_RULE = NameRule("domain unit", DATAZONE_NAME, 128)
PROFILE_RULE = NameRule("project profile", DATAZONE_NAME, 64)
PROJECT_RULE = NameRule("project", DATAZONE_NAME, 64)
BUCKET_RULE = NameRule("S3 bucket", r"[a-z0-9][a-z0-9-]*[a-z0-9]", 63)
STACK_RULE = NameRule("stack", r"[A-Za-z][A-Za-z0-9-]*", 128)
IAM_ROLE_RULE = NameRule("IAM role", r"[\w+=,.@-]+", 64)
GLUE_DATABASE_RULE = NameRule("Glue database", r"[a-z][a-z0-9_]*", 255)
# Export names of a stack's outputs (Fn::ImportValue): the CloudFormation User Guide's rule.
EXPORT_RULE = NameRule("CloudFormation export", r"[A-Za-z0-9:-]+", 255)


# Buckets of the foundation stack: the data-lake layers, then their access-log bucket.
DATA_LAKE_LAYERS = ("raw", "curated", "published", "artifacts")
# The layer SMUS projects keep their files in (blueprint S3Location), with a key of its own.
PROJECT_STORAGE_LAYER = "artifacts"
ACCESS_LOGS = "access-logs"


def pipeline_stack_name(org: str) -> str:
    return f"{org}-mesh-pipeline"


def identity_stack_name(org: str) -> str:
    """The stack of the mesh's Identity Center permission sets, in the account administering Identity Center."""
    return f"{org}-identity"


def pipeline_name(org: str) -> str:
    return f"{org}-mesh"


def approval_action_name(env: str) -> str:
    """The manual-approval action before an environment's deployment, in its pipeline stage."""
    return f"Approve-{env}"


def glossary_name(org: str, scope: str) -> str:
    """<org>-enterprise-glossary, or <bu>-glossary (the reference design's naming): the same in every domain."""
    return f"{org}-enterprise-glossary" if scope == ENTERPRISE_SCOPE else f"{scope}-glossary"


def approver_role_name(org: str, env: str) -> str:
    """The role in the tools account that alone may approve the promotion into ``env``."""
    return f"{org}-mesh-approve-{env}"


def plan_reader_role_name(org: str, env: str) -> str:
    """The read-only role of an environment's account through which the pipeline's change plan reads
    the deployed templates."""
    return f"{org}-{env}-mesh-plan-reader"


# The qualifier `cdk bootstrap` uses unless told otherwise; the app's stacks use the default synthesizer.
CDK_BOOTSTRAP_QUALIFIER = "hnb659fds"


def bootstrap_lookup_role_name(account: str, region: str) -> str:
    """The read-only lookup role `cdk bootstrap --trust <tools account>` creates in each target
    account: the change plan reads through it whether an environment has been deployed at all."""
    return f"cdk-{CDK_BOOTSTRAP_QUALIFIER}-lookup-role-{account}-{region}"


def cloudformation_execution_role_name(account: str, region: str) -> str:
    """The role CloudFormation deploys the stacks with (`cdk bootstrap`'s, default qualifier): a
    Lake Formation administrator of the account, which the smoke test reads back."""
    return f"cdk-{CDK_BOOTSTRAP_QUALIFIER}-cfn-exec-role-{account}-{region}"


def cloudformation_deploy_role_name(account: str, region: str) -> str:
    """The role the pipeline assumes to start CloudFormation in a target account (`cdk bootstrap`'s)."""
    return f"cdk-{CDK_BOOTSTRAP_QUALIFIER}-deploy-role-{account}-{region}"


def organization_stack_name(org: str) -> str:
    """The management account's stack: the mesh's OUs, service control policies and tag policy."""
    return f"{org}-organization"


def plan_runner_role_name(org: str) -> str:
    """The pipeline's synth role in the tools account, which runs the change plan: the only
    principal the plan reader roles trust."""
    return f"{org}-mesh-change-plan"


def pipeline_alarm_topic_name(org: str) -> str:
    """The tools account's topic told of failed pipeline stages (every environment's alarm recipients)."""
    return f"{org}-mesh-pipeline-alarms"


def deployed_topic_name(org: str, env: str) -> str:
    """The tools account's topic told when the pipeline has deployed ``env`` and its smoke test passed."""
    return f"{org}-mesh-{env}-deployed"


def smoke_test_action_name(env: str) -> str:
    """The post-deploy smoke test's action in an environment's pipeline stage."""
    return f"SmokeTest-{env}"


def smoke_test_runner_role_name(org: str, env: str) -> str:
    """The pipeline's smoke-test CodeBuild role, the only principal the target's smoke-test role trusts."""
    return f"{org}-mesh-smoke-test-{env}"


def trail_stack_name(org: str) -> str:
    """The organisation trail's stack, in the management account."""
    return f"{org}-trail"


def log_archive_stack_name(org: str) -> str:
    """The log-archive bucket's stack, in the log-archive account."""
    return f"{org}-log-archive"


def organization_trail_name(org: str) -> str:
    return f"{org}-organization-trail"


def log_archive_bucket_name(org: str, account: str) -> str:
    """Named, not referenced: the trail in the management account writes to it across accounts, and
    CDK refuses references between stacks of different accounts."""
    return f"{org}-log-archive-{account}"


def log_archive_access_logs_bucket_name(org: str, account: str) -> str:
    return f"{org}-log-archive-access-{account}"


def log_archive_key_alias(org: str) -> str:
    """The alias of the log-archive key, by which the trail in another account names it."""
    return f"alias/{org}-log-archive"


@dataclass(frozen=True)
class Naming:
    """Names for one organisation in one environment."""

    org: str
    env: str
    env_short: str
    account: str

    @classmethod
    def of(cls, org: str, env: EnvironmentConfig) -> Naming:
        """The names of ``org`` in environment ``env`` (before and after the mesh is loaded)."""
        return cls(org, env.name, env.short, env.account)

    def domain(self) -> str:
        return f"{self.org}-{self.env}-unified-domain"

    @staticmethod
    def domain_unit(unit_id: str) -> str:
        return f"{unit_id}-domain-unit"

    def project_profile(self, capability: str) -> str:
        return f"{capability}-{self.env_short}-profile"

    def project(self, domain_unit: str, use_case: str) -> str:
        return f"{domain_unit}-{use_case}-{self.env_short}-project"

    def bucket(self, purpose: str) -> str:
        # Account id keeps bucket names globally unique across the organisation's accounts.
        return f"{self.org}-{self.env}-{purpose}-{self.account}"

    def data_lake_buckets(self) -> dict[str, str]:
        return {layer: self.bucket(layer) for layer in DATA_LAKE_LAYERS}

    def stack(self, part: str) -> str:
        return f"{self.org}-{self.env}-{part}"

    def budget(self) -> str:
        """The environment's cost budget (unique in its account; no ':' or '\\' allowed)."""
        return f"{self.org}-{self.env}-cost"

    def glossary(self, scope: str) -> str:
        return glossary_name(self.org, scope)

    def unit_export(self, unit_id: str) -> str:
        """<org>-<env>-domain:unit:<unit id>: the export of a unit's id by the nested units stack that
        holds it (layout.unit_stacks). Named after the domain stack, not the nested stack (whose name
        CloudFormation generates), and without the nested stack's number, so consumers find a unit by
        its id alone."""
        return f"{self.stack('domain')}:unit:{unit_id}"

    def datazone_handler_role(self) -> str:
        """The mesh's custom-resource identity in the domain (one role per domain)."""
        return f"{self.org}-{self.env}-mesh-datazone-handler"

    def lake_formation_settings_role(self) -> str:
        """The role of the account's one writer of its Lake Formation settings, named when the mesh's
        service control policies must exempt it (PutDataLakeSettings is denied to every other role)."""
        return f"{self.org}-{self.env}-lakeformation-settings"

    def catalog_database(self, business_unit: str, existing: str | None = None) -> str:
        """<bu>_<env>_catalog: the reference design's <bu>-<env>-catalog with '_' for '-', because Athena (and
        Hive-compatible engines) refuse '-' in unquoted database names and Glue folds names to
        lower case. The one place the variant is derived. ``existing``: a catalog's declared name
        for a database that predates the conventions (e.g. the three-PROD-accounts example's prod_customers_db)."""
        return existing or f"{business_unit}_{self.env}_catalog".replace("-", "_")

    def catalog_database_pattern(self) -> str:
        """An IAM resource-name pattern matching every conventional catalog database of this environment."""
        return f"*_{self.env}_catalog".replace("-", "_")

    def data_source(self, database: str, producer: str) -> str:
        """The DataZone data source importing one producer project's tables of a catalog."""
        return f"{database}-{producer}"

    def lake_formation_data_access_role(self) -> str:
        """The role Lake Formation assumes to read and write the registered data-lake locations."""
        return f"{self.org}-{self.env}-lakeformation-data-access"

    def lake_formation_grant_registry(self) -> str:
        """The account's DynamoDB table of which grant set declares which Lake Formation grant
        (foundation stack); the grants handlers of later stacks and stages find it by this name."""
        return f"{self.org}-{self.env}-lakeformation-grant-registry"

    def lake_formation_grants_role(self) -> str:
        """The role every Lake Formation grants handler of the account runs as (foundation stack):
        a data-lake administrator, named so the account's settings can list it before the stacks
        whose handlers use it exist."""
        return f"{self.org}-{self.env}-lakeformation-grants"

    def catalog_handler_role(self) -> str:
        """The DataZone identity that imports and publishes the catalogs' tables."""
        return f"{self.org}-{self.env}-mesh-catalog-handler"

    def subscription_handler_role(self, part: str = "subscriptions") -> str:
        """The DataZone identity that requests and approves the declared subscriptions of one
        subscriptions stack (each stack has its own: a project membership is per identity)."""
        number = part.removeprefix("subscriptions").removeprefix("-")
        return f"{self.org}-{self.env}-mesh-subscription-handler" + (f"-{number}" if number else "")

    def share_handler_role(self) -> str:
        """The identity that links and grants the tables shared with this environment's account."""
        return f"{self.org}-{self.env}-mesh-share-handler"

    @staticmethod
    def resource_link(database: str) -> str:
        """The consumer's Glue resource link to a shared database (the reference design's shared_from_prod)."""
        return f"shared_{database}"

    @staticmethod
    def data_cells_filter(share: str, consumer_env: str, table: str, content: str) -> str:
        """<share>_<consumer>_<table>_v<hash of the filter>: every property of a data-cells filter is
        create-only and its name part of its identity, so a changed filter gets a new name and is
        created beside the old one (deleted after), never replaced in place."""
        version = hashlib.sha256(content.encode()).hexdigest()[:8]
        return f"{share}_{consumer_env}_{table}_v{version}".replace("-", "_")

    def ssm_parameter(self, *parts: str) -> str:
        """/<org>/<env>/mesh/...: ids published for stages deployed later (shared data)."""
        return "/".join(("", self.org, self.env, "mesh", *parts))

    def management_role(self, access: str) -> str:
        """<org>-<env>-datamesh-admin | -readonly: fixed, the tools account assumes it by name."""
        return f"{self.org}-{self.env}-datamesh-{access}"

    def ingestion_stack(self, workload: str) -> str:
        """<org>-<env>-ingestion-<workload>: an image-ingestion workload's stack."""
        return self.stack(f"ingestion-{workload}")

    def ingestion_bucket(self, workload: str, kind: str) -> str:
        """<org>-<env>-<workload>-raw|processed-<account>: the workload's own buckets."""
        return self.bucket(f"{workload}-{kind}")

    def alarm_topic(self) -> str:
        """<org>-<env>-mesh-alarms: the monitoring stack's topic; fixed, so a chat or paging tool can be
        pointed at it before the stack exists."""
        return f"{self.org}-{self.env}-mesh-alarms"

    def group_topic(self, group: str) -> str:
        """The topic of one Identity Center group's people, told of their projects' DataZone events."""
        return f"{self.org}-{self.env}-mesh-notify-{group}"

    def smoke_test_role(self) -> str:
        # A fixed name: the pipeline in the tools account must know it before the stack exists.
        return f"{self.org}-{self.env}-smus-smoke-test"
