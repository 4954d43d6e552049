"""The comprehensive starter mesh: every key of mesh.yaml and <env>.yaml, each with a comment.

Keys that only make sense in a situation the starter cannot know (an account shared by two
environments, an existing bucket or Glue database, a reviewed replacement) are written as commented
lines beside the default they replace; every other key is set, so the sample is tested as it is
written (tests/test_init.py synthesizes it and checks that no model key is missing).
"""

from __future__ import annotations

from pathlib import Path

from datamesh.starter.answers import Answers, EnvironmentAnswers
from datamesh.starter.minimal import ADMINS_GROUP, team_group
from datamesh.starter.text import (
    arn,
    connection_arn,
    flow,
    group_id,
    modeline,
    quoted,
    sso_role,
    starter_files,
    subnet_ids,
    vpc_id,
)
from mesh_config.network import zone_id_prefix
from mesh_config.regions import partition_of

# The keys written as comments only (model path, in the mesh.yaml or <env>.yaml models).
COMMENTED_MESH_KEYS = frozenset(
    {
        "identity_center.permission_sets",
        "identity_center.admin_account",
        "identity_center.region",
        "catalogs.database",
        "catalogs.tables.name",
        "subscriptions.data_product",
        "domain_units.rules.terms",
        "subscriptions.forms",
        "shares.consumers.pii_override",
        "organization",
        "allow_changes",
        "projects.repository",
        "workloads",
    }
)
COMMENTED_ENVIRONMENT_KEYS = frozenset(
    {
        "shared_account_reason",
        "project_artifacts_s3_uri",
        "project_artifacts_kms_key_arn",
        "promotion.wave",
        "promotion.approver_principals.permission_set",
        "management.principals.permission_set",
        "budget.recipients.sns_topic_arn",
        "network.create",
    }
)
STEWARDS_GROUP = "data-stewards"
SCIENTISTS_GROUP = "data-scientists"


NEEDS_TWO = (
    "--comprehensive shares data from the last environment to the first one: name at least two environments "
    "(e.g. --environments dev,prod), or leave out --comprehensive for the minimal mesh"
)


class ComprehensiveNeedsTwoEnvironments(ValueError):
    """The sample shares data from the last environment to the first one: it needs two."""


def second_use_case(answers: Answers) -> str:
    return "insights" if answers.use_case == "reporting" else "reporting"


def render(answers: Answers, target: Path) -> dict[str, str]:
    """File name -> text: mesh.yaml and one <env>.yaml per environment."""
    if len(answers.environments) < 2:
        raise ComprehensiveNeedsTwoEnvironments(NEEDS_TWO)
    return starter_files(
        answers, _mesh(answers, target), lambda env, position: _environment(answers, env, position, target)
    )


def _mesh(a: Answers, target: Path) -> str:
    bu, team = a.business_unit, team_group(a)
    first, last = a.first.name, a.last.name
    every = flow([e.name for e in a.environments])
    producer = a.project_key
    consumer = f"{bu}-data-{second_use_case(a)}"
    snake = bu.replace("-", "_")
    orders, customers = f"{snake}_orders_table", f"{snake}_customers_table"
    return f"""{modeline(target, "mesh.schema.json")}#
# The {a.org} data mesh, comprehensive sample: every key of mesh.yaml, each with a comment. Keys that
# depend on your situation are commented out beside the default they would replace. What exists here
# exists in every environment unless a key says otherwise; resource names follow the conventions
# ({a.org}-<env>-unified-domain, {producer}-<env>-project, ...) and are never typed.

# Organisation short name: the first part of every derived name.
org: {a.org}

# Environments in promotion order: the pipeline deploys them one after another. Each name has a file
# <name>.yaml beside this one with its account, region, network, promotion and management access.
environments: {every}

# Tags on every resource (at most 50 together with an environment's own tags).
tags:
  CostCenter: data-platform
  Owner: {ADMINS_GROUP}

# The self-mutating deployment pipeline, in the tools account.
pipeline:
  account: {quoted(a.tools_account)}   # the tools / CI account id, quoted
  region: {a.tools_region}   # where the pipeline runs
  # A CodeConnections connection to GitHub (Enterprise) or GitLab (self-managed), created once in the
  # console (Developer Tools > Settings > Connections).
  connection_arn: {connection_arn(a.tools_region, a.tools_account)}
  repository: {a.org}/data-mesh   # owner/name (GitLab: group/subgroup/project) of the repository of this folder
  branch: main   # a merge on this branch starts a deployment
  # Addresses told of every manual approval (an SNS topic); leave the list empty for no topic.
  approval_notification_emails: [data-platform@{a.org}.example]
  # CodeBuild compute of the synth step (SMALL 3 GB, MEDIUM 7 GB, LARGE 15 GB, X2_LARGE 145 GB). Leave
  # it out to let the size of the mesh choose (SMALL here); set it when the synth runs out of memory.
  synth_compute: SMALL

# The IAM Identity Center groups the mesh refers to by name.
identity_center:
  # Group name -> IAM Identity Center group id (Identity Center console > Groups > group > Group ID):
  # a UUID, optionally prefixed by the 10-hex identity store id. Every group here is assigned to the
  # domain: its members sign in to the portal and browse and search the catalog.
  groups:
    {ADMINS_GROUP}: {group_id(1)}
    {team}: {group_id(2)}
    {STEWARDS_GROUP}: {group_id(3)}
    {SCIENTISTS_GROUP}: {group_id(4)}
  # With the organization section below (it owns permission_sets): Identity Center permission
  # sets assigned to these groups in the environments' accounts (docs/organization.md).
  # admin_account: "100000000000"   # Identity Center's delegated administrator (default: the management account)
  # region: eu-west-1   # Identity Center's region (default: the organization's)
  # permission_sets:
  #   - name: DataAnalyst
  #     description: Query the data lake through Athena
  #     session_duration: PT8H
  #     inline_policy: data_analyst   # none, data_analyst, data_engineer, mesh_admin or approver
  #     managed_policies: []   # AWS managed policy names
  #     groups: [{team}, {{group: {SCIENTISTS_GROUP}, environments: [{first}]}}]
  #     environments: {every}   # the accounts it is assigned in (default: every environment)
  #     tools_account: false   # also in the pipeline's account

# The domain of each environment ({a.org}-<env>-unified-domain).
domain:
  description: {a.org} data mesh on SageMaker Unified Studio   # shown in the portal
  # MANUAL: only the groups of this mesh can sign in; AUTOMATIC: every Identity Center user.
  user_assignment: MANUAL
  administrators: [{ADMINS_GROUP}]   # groups made owners of the root domain unit

# Managed blueprints enabled in every domain, one after another in this order: a name for every
# environment, or {{blueprint: name, environments: [...]}} for some only.
blueprints:
  - Tooling
  - DataLake
  - LakehouseCatalog
  - RedshiftServerless
  - Workflows
  - {{blueprint: EmrServerless, environments: [{first}]}}

# The domain-unit tree under the root unit. A unit without parent is a business unit; a child's id
# starts with its parent's ({bu}-data).
domain_units:
  - id: {bu}   # the unit's key
    description: The {bu} business unit
    owners: [{team}]   # groups that own the unit
    project_creators: [{team}]   # groups that may create projects here (and in its children) from the profiles
    # Policies granted to named projects (keys <unit>-<use-case>) on this unit and its children.
    grants:
      create_glossary: [{producer}]   # may create business glossaries
      create_form_type: [{producer}]   # may create metadata forms
    # Metadata rules (docs/governance-rules.md): what DataZone requires before an asset of the unit is
    # published, or before a subscription to one is requested; the deployment checks its own tables.
    rules:
      - name: {bu}-quality-before-publishing   # unique among the mesh's rules
        action: publish   # publish, or subscribe (forms the subscription requests must carry)
        description: An asset is published only with its measured quality
        forms: [DataQuality]   # the required metadata forms (at most 5), or instead:
        # terms: [enterprise/Order]   # glossary terms the asset must carry (publish rules only, at most 5)
        include_child_units: true   # also in the child units ({bu}-data)
        environments: {every}   # where the rule exists (default: every environment)
  - id: {bu}-data
    parent: {bu}   # the parent unit's id: this is a team unit
    description: The {bu} data team
    owners: [{team}, {STEWARDS_GROUP}]

# Project profiles (<capability>-<env>-profile): which blueprints a project gets, and how.
project_profiles:
  - capability: sql-analytics   # names the profile
    description: Notebooks and SQL on the lakehouse (Athena and Redshift)
    environments:
      - blueprint: Tooling   # Tooling comes first: the lowest deployment_order
        name: Tooling   # the environment configuration's name (default: the blueprint's)
        description: Project tooling, spaces and the project role
        deployment_mode: ON_CREATE   # created with the project (ON_DEMAND: when a member adds it)
        deployment_order: 0   # 0-16, lower first
        parameter_overrides:   # blueprint parameters; editable: project creators may change them
          - {{name: enableSpaces, value: "true", editable: false}}
      - blueprint: DataLake
        name: Lakehouse Database
        deployment_order: 1
        parameter_overrides:
          - {{name: glueDbName, value: glue_db, editable: true}}
      - blueprint: RedshiftServerless
        deployment_order: 1
      - blueprint: Workflows
        name: OnDemand Workflows
        deployment_mode: ON_DEMAND
  - capability: data-science
    description: Everything in sql-analytics, with EMR Serverless for Spark
    available_in: [{first}]   # environments where this profile exists (default: every environment)
    environments:
      - blueprint: Tooling
        deployment_order: 0
      - blueprint: DataLake
        name: Lakehouse Database
        deployment_order: 1
      - blueprint: RedshiftServerless
        deployment_order: 1
      - blueprint: EmrServerless
        name: OnDemand EMR Serverless
        deployment_mode: ON_DEMAND

# Projects (<unit>-<use-case>-<env>-project). Members are Identity Center groups, designated Owner or
# Contributor (the designations of SMUS projects); a member may be limited to some environments.
projects:
  - domain_unit: {bu}   # the owning unit's id
    use_case: {a.use_case}   # the project's key is <unit>-<use-case>: {producer}
    # A profile capability, or environment -> capability with an optional default.
    profile: {{default: sql-analytics, {first}: data-science}}
    description: Produces the {bu} data products
    owners: [{team}, {{group: {ADMINS_GROUP}, environments: [{first}]}}]   # PROJECT_OWNER; admins in {first} only
    # PROJECT_CONTRIBUTOR; data scientists contribute in {first} only.
    contributors: [{STEWARDS_GROUP}, {{group: {SCIENTISTS_GROUP}, environments: [{first}]}}]
    # A Git repository for its notebooks, queries and workflows (docs/repositories.md): one
    # CodeConnections connection per environment account, shared with SMUS; none: no repository.
    # repository:
    #   repository: {a.org}-data/{producer}   # owner/name as the Git provider shows it
    #   branch: main
    #   connections: {{{first}: <the ARN of a connection in the {first} account>}}
  - domain_unit: {bu}-data
    use_case: {second_use_case(a)}
    profile: sql-analytics
    description: Reports on {bu} data, a consumer of the data products
    owners: [{team}]
    environments: {every}   # where the project exists (default: every environment)

# Business glossaries, in every domain. Scope 'enterprise' is {a.org}-enterprise-glossary; a
# business unit's is <bu>-glossary. A relation names a term of the same glossary ('Customer') or of
# another one ('enterprise/Customer'), one way: from business units to the enterprise glossary.
glossaries:
  - scope: enterprise
    owning_project: {producer}   # needs the create_glossary grant on its unit
    description: Organisation-wide business terms
    terms:
      - name: Customer   # unique in its glossary
        short_description: A person or organisation that buys from {a.org}   # shown in search results
        long_description: A party with at least one paid order, identified by its customer id.
      - name: Order
        short_description: A customer's request for products, with its lines and total
        long_description: An order is placed by exactly one customer.
        classifies: [Customer]   # terms this term classifies (at most 10)
  - scope: {bu}
    owning_project: {producer}
    description: Terms of the {bu} business unit
    terms:
      - name: Key Account
        short_description: A customer with a dedicated account manager
        is_a: [enterprise/Customer]   # terms this term is a kind of (at most 10)

# Metadata forms that data products carry, in every domain.
metadata_forms:
  - name: DataProductOwner   # unique in the domain
    description: Who answers for a data product
    owning_project: {producer}   # needs the create_form_type grant on its unit
    fields:
      - name: owner_team
        type: string   # string, integer, float, boolean or glossary_term
        description: Team accountable for the data product   # help text beside the field
        required: true   # the form cannot be saved without it
        searchable: true   # indexed for catalog search
      - {{name: owner_email, type: string, required: true, description: Contact address of the owning team}}
  - name: DataQuality
    description: Measured quality of a data product
    owning_project: {producer}
    fields:
      - {{name: quality_score, type: integer, required: true, description: "Rows passing the rules, in percent"}}
      - {{name: completeness, type: float, description: Share of non-null values (0-1)}}
      - {{name: certified, type: boolean, description: Approved by a data steward}}
      - name: classification
        type: string
        allowed_values: [public, internal, confidential]   # string fields only: the values to pick from
      - name: business_term
        type: glossary_term
        glossary: enterprise   # glossary_term fields only: the glossary whose terms it takes

# Domain catalogs: one Glue database <bu>_<env>_catalog per business unit. Tables are named
# <bu>_<dataset>_<type> ({orders}), which is also their asset name. The owner project imports them with
# a DataZone data source and publishes those marked published, with their forms and terms.
catalogs:
  - business_unit: {bu}   # a top-level unit
    owner: {producer}   # owns the database and produces its tables by default
    description: Orders and customers of the {bu} business unit
    # database: {snake}_orders_db   # keep an existing database's name instead of {snake}_<env>_catalog
    environments: {every}   # where the catalog exists (default: every environment; data may stay in one)
    data_source:
      # true: every imported table is published at once; false: the deployment publishes the tables
      # marked published, after attaching their forms and terms.
      publish_on_import: false
      schedule: {{cron: "cron(0 4 * * ? *)", timezone: UTC}}   # re-import daily; none: only on deployment
      forms:   # forms attached to every imported asset: form name -> field values
        DataProductOwner: {{owner_team: {producer}, owner_email: {bu}-data@{a.org}.example}}
    tables:
      - dataset: orders   # the asset is {orders}
        # name: orders   # keep an existing table's name instead of {orders}
        type: table   # the last part of the asset name
        description: Customer orders, one row per order
        producer: {producer}   # the producer project (default: the catalog's owner)
        storage:
          layer: curated   # data-lake layer of the files: curated or published
          prefix: {bu}/orders/   # key prefix in the layer's bucket, ending with '/'
          format: parquet   # parquet, orc, avro, json or csv
        columns:
          - name: order_id
            type: string   # a Glue type: string, bigint, decimal(18,2), date, array<string>, ...
            description: Order number
            term: enterprise/Order   # the column's glossary term
          - {{name: customer_id, type: string, description: Customer id, term: enterprise/Customer}}
          - name: ship_to_address
            type: string
            description: Delivery address
            pii: true   # personal data: shared outside production only without this column
          - {{name: total, type: "decimal(18,2)", description: Order total}}
        partition_keys:   # partition columns, in order
          - {{name: order_date, type: date, description: Order day}}
        published: true   # in the business catalog (false: inventory only)
        terms: [enterprise/Order]   # the asset's glossary terms
        forms:   # the asset's own forms: form name -> field values
          DataQuality:
            quality_score: 98
            certified: true
            classification: confidential
            business_term: enterprise/Order
      - dataset: customers
        description: Customers and their segment
        storage: {{layer: published, prefix: {bu}/customers/, format: parquet}}
        columns:
          - {{name: customer_id, type: string, description: Customer id, term: enterprise/Customer}}
          - {{name: segment, type: string, description: "key-account, mid-market or smb", term: {bu}/Key Account}}
        published: false
        derived_from: [{orders}]   # lineage: the mesh's tables this one is computed from (asset names)
        quality:   # Glue Data Quality: DataZone imports the evaluated score (no hand-typed score then)
          rules:   # DQDL rules, one per item
            - IsComplete "customer_id"
            - ColumnValues "segment" in ["key-account", "mid-market", "smb"]
          schedule: {{cron: "cron(0 5 * * ? *)", timezone: UTC}}   # EventBridge Scheduler cron, IANA zone
          min_score: 90   # percent of rules passing; below it, a CloudWatch alarm

# Data products: published tables of one project under one name, listed in the catalog as one unit
# that consumers subscribe to with one request. The owner produces every table in it.
data_products:
  - name: {bu}-orders   # unique in the domain
    description: Orders of the {bu} business unit, ready for reporting
    owner: {producer}   # the owner project: the producer of every table below
    tables: [{orders}]   # published tables' asset names
    terms: [enterprise/Order]   # the product's glossary terms
    forms:   # the product's forms: form name -> field values
      DataProductOwner: {{owner_team: {producer}, owner_email: {bu}-data@{a.org}.example}}
    environments: {every}   # where it exists (default: every environment where its tables do)

# Consumer projects subscribed to published tables: the deployment asks, approves and waits for the grant.
subscriptions:
  - consumer: {consumer}   # the subscribing project's key
    asset: {orders}   # a published table's asset name
    # data_product: {bu}-orders   # or a data product's name instead of asset (exactly one of the two)
    reason: Monthly order reporting   # kept by DataZone with the request
    environments: {every}   # where it applies (default: every environment)
    # forms: {{DataQuality: {{quality_score: 90}}}}   # sent with the request (what subscribe rules require)
    # IAM roles of an environment's account that get the same Lake Formation access (ETL jobs, BI
    # service roles); each environment grants the roles of its own account.
    extra_principals: [{arn(a.last.region, f"iam::{a.last.account}:role/{a.org}-bi-reports")}]

# Tables shared by Lake Formation from one environment's account to others'.
shares:
  - name: orders   # names the share's filters and resource links
    catalog: {bu}   # business unit of the shared catalog
    producer: {last}   # the environment whose account holds the data
    tables: [{orders}]
    consumers:
      - environment: {first}   # its account receives the share
        filter:   # what this consumer sees (none: everything)
          row_filter: total > 0   # a Lake Formation row filter, no functions
          excluded_columns: [ship_to_address]   # pii columns leave production only when excluded
        principals:   # who may query the shared tables in the consumer account
          projects: [{producer}]   # the projects' user roles (looked up at deploy time)
          roles: [{a.org}-{bu}-analyst]   # IAM role names in the consumer account
        # Outside one AWS Organization with RAM sharing enabled, the consumer must accept the share.
        accept_ram_invitation: false
        # pii_override:   # share pii columns to an environment without production_data, on purpose
        #   columns: [ship_to_address]
        #   reason: Delivery tests need real addresses, approved by the data protection officer

# Producer workloads a project owns (docs/image-ingestion.md); each one is a stack
# <org>-<env>-ingestion-<name> in its owner's environments, and its metadata is published as a table
# of the owner's business-unit catalog. Uncomment to try it (it costs per image and, with Kafka, per hour).
# workloads:
#   image_ingestion:
#     - name: {bu}-photos   # names the stack, the buckets and the table
#       owner: {producer}   # the owning project: produces the metadata table
#       description: Photos of orders at dispatch
#       environments: [{last}]   # where it runs (default: every environment of its owner)
#       inputs:
#         http: {{enabled: true, throttle_rps: 10, burst: 20}}   # SigV4-signed POST /images
#         kafka:
#           topic: {bu}-photos
#           create: false   # true or [env, ...]: an MSK Serverless cluster (IAM auth) in the environment's VPC
#           # an existing cluster of the environment's account, where none is created:
#           cluster_arn: arn:aws:kafka:{a.last.region}:{a.last.account}:cluster/events/1111-2222-3333-4444-5555-1
#           consumer_group: {bu}-photos   # default: <org>-<env>-<name>
#       accepted_types: [jpeg, png]   # checked by content: jpeg, png, webp, gif, tiff
#       max_size_mb: 4   # at most 4 with the HTTP input (the upload Lambda's 6 MB request, base64)
#       processing:
#         widths: [320, 1024]   # renditions, each > 0 and listed once
#         format: jpeg   # jpeg, png or webp
#         memory_mb: 1024   # of the processing Lambda
#         timeout_seconds: 120   # at most 900 (Lambda's 15 minutes)
#       retention_days: 7   # images, renditions, items and metadata files: 1 to 365 days
#       table: {{dataset: {snake}_photos, description: Metadata of the processed photos}}

# Least-privilege Lake Formation grants of teams on catalog tables.
teams:
  - name: {bu}-support
    groups: [{STEWARDS_GROUP}]   # Identity Center groups (Lake Formation's Identity Center integration)
    roles: [{a.org}-{bu}-support]   # IAM role names in each environment's account
    environments: [{last}]   # where the grants apply (default: every environment)
    grants:
      - table: {orders}
        permissions: [select]   # select, insert, delete, describe or alter
        columns: [order_id, customer_id, total]   # SELECT only these columns (one grant: SELECT alone)
      - {{table: {customers}, permissions: [select, describe]}}

# How many CloudFormation stacks hold each part (each item lands in a stack by a hash of its key).
# Set them before the first deployment: a later change moves items, which replaces them.
layout:
  project_stacks: 1   # projects-1 ... projects-N
  product_stacks: 1   # the producers' tables and data sources
  subscription_stacks: 1   # the declared subscriptions (at most 10)
  catalog_stacks: 0   # 0: every Glue database in the catalogs stack
  membership_stacks: 0   # 0: memberships in their project's stack; N: members-1 ... members-N (past ~3 000 projects)
  unit_stacks: 1   # 0: the unit tree in the domain stack; N: in N nested stacks of it

# The AWS Organization around the mesh (optional; docs/organization.md): OUs per environment,
# guardrails, permission sets and the audit baseline, deployed in the management account first.
# organization:
#   management_account: "100000000000"
#   root_id: r-ab12   # aws organizations list-roots
#   ous: {{{first}: Mesh/NonProd, {last}: Mesh/Prod}}   # OU path per environment (accounts are moved by hand)
#   allowed_regions: [eu-west-1]   # the region guardrail denies the others (global services exempt)
#   log_archive_account: "100000000001"   # the audit log bucket's account
#   # the parts this tool creates: leave out what a landing zone owns
#   owns: [scps, tag_policy, permission_sets, trail, log_archive, account_baseline]

# Stateful resources the change plan may replace or delete, each with its reason (remove once deployed).
# allow_changes:
#   - stack: {a.org}-{first}-projects-1   # the stack name
#     resource: {producer.replace("-", "")}Project1A2B3C4D   # the logical id the plan prints
#     change: replace   # replace or delete
#     reason: Renamed before any data was stored in it
"""


def _environment(a: Answers, env: EnvironmentAnswers, position: int, target: Path) -> str:
    is_first, is_last = env == a.first, env == a.last
    partition = partition_of(env.region)  # a sample in China or GovCloud names its own partition
    # The first environment is the sandbox-like one; the last holds production data.
    access = "readonly" if is_last else "admin"
    zones = ", ".join(f"{zone_id_prefix(env.region)}-az{n}" for n in (1, 2, 3))
    head = modeline(target, "environment.schema.json")
    text = f"""{head}# The {env.name} environment: its account and what differs per account.
name: {env.name}   # must match the file name
short_name: {env.name}   # used in project and profile names: <unit>-<use-case>-{env.name}-project (default: name)
account: {quoted(env.account)}   # 12-digit account id, quoted: account ids are text
# shared_account_reason: A sandbox shares the dev account to save cost   # only when another environment uses it too
region: {env.region}
identity_center_instance_arn: {env.identity_center_instance_arn}   # Identity Center console > Settings
network:   # the VPC where the projects' Tooling, Redshift and EMR environments run
  vpc_id: {vpc_id(position)}
  # Private subnets, one per Availability Zone: at least two, three with RedshiftServerless.
  subnet_ids: {flow(subnet_ids(position))}
  # Or let the mesh create the VPC instead of vpc_id and subnet_ids (the {a.org}-{env.name}-network stack:
  # private subnets in three zones, the blueprints' VPC endpoints, flow logs; docs/network.md):
  # create:
  #   cidr: 10.{20 + position}.0.0/16   # apart from the other environments' ranges
  #   availability_zones: [{zones}]   # AZ IDs (default: {env.region}a, b, c)
  #   subnet_prefix: 18   # each private subnet's size (default: the VPC's prefix + 2)
  #   egress: none   # nat_gateway: outbound internet (pip, git) through a NAT gateway per zone
  #   endpoints: blueprints   # none: no interface endpoint (with egress: nat_gateway only)
# Project artefacts in an existing bucket instead of the foundation's (both keys together):
# project_artifacts_s3_uri: s3://{a.org}-{env.name}-projects/artifacts
# project_artifacts_kms_key_arn: arn:{partition}:kms:{env.region}:{env.account}:key/00000000-0000-0000-0000-000000000000
# The account may hold production data, personal data included: pii columns leave it only when excluded.
production_data: {str(is_last).lower()}
# true: the domain, keys, buckets and projects are RETAINed when removed from the config and the stacks
# are termination-protected; false only for throw-away environments.
deletion_protection: {str(not is_first).lower()}
tags:   # extra tags here; Environment is added automatically
  DataClassification: {"production" if is_last else "internal"}

# The account's cost budget (AWS Budgets, in the {a.org}-{env.name}-baseline stack), with alerts.
budget:
  amount: {50000 if is_last else 5000}
  currency: USD   # the payer account's billing currency: USD unless a preferred payment currency is set
  period: monthly   # monthly | quarterly | annually
  thresholds:   # at most 5
    - {{percent: 80, spend: actual}}
    - {{percent: 100, spend: forecasted}}
  recipients:   # at least one e-mail address or an SNS topic
    emails: [data-platform@{a.org}.example]
    # sns_topic_arn: arn:{partition}:sns:{env.region}:{env.account}:finops-alerts   # budgets.amazonaws.com may publish

# How the pipeline promotes a change into this environment.
promotion:
  mode: pipeline   # direct: never deployed by the pipeline (sandboxes: cdk deploy -c direct=true '{env.name}/*')
  # wave: {env.name}   # consecutive environments with the same wave deploy in parallel, in one stage
"""
    if is_first:
        text += (
            "  manual_approval: false   # merged changes land here first, without approval\n"
            "  # With an approval, approver_principals may name a permission set:\n"
            "  # approver_principals:\n"
            "  #   - permission_set: MeshApprovers\n"
        )
    else:
        text += f"""  manual_approval: true   # wait for an approval before deploying
  approvers: [Data Platform Manager]   # who must approve, shown in the approval request
  # The only principals that may assume this stage's approver role (tools-account roles; '*' allowed).
  approver_principals:
    - {sso_role(a.tools_region, a.tools_account, "DataPlatformManager")}
    # - permission_set: MeshApprovers   # a permission set of mesh.yaml's identity_center, by name
  confirm_permissions_broadening: {str(is_last).lower()}   # pause when the deployment broadens IAM permissions
"""
    text += f"""
# Who is told what (docs/monitoring.md): with this section the environment gets its
# {a.org}-{env.name}-monitoring stack (alarm topic, alarms, dashboard, DataZone notifications).
notifications:
  alarms:   # failed custom resources, data-source runs, subscription grants, Lake Formation denials
    emails: [data-platform@{a.org}.example]
    # Paging tools that take SNS HTTPS subscriptions (PagerDuty, Opsgenie): their integration URL.
    https_endpoints: [https://events.pagerduty.com/integration/00000000000000000000000000000000/enqueue]
    # Existing topics of this region told as well, e.g. the one an AWS Chatbot channel listens to.
    topic_arns: ["arn:{partition}:sns:{env.region}:{env.account}:ops-chat"]
  # Identity Center group -> its people: told of their projects' subscription requests and failed runs.
  groups:
    {team_group(a)}: [{team_group(a)}@{a.org}.example]
  # A team's own topic, told of its project's DataZone events as well (key <unit>-<use case>).
  project_topics:
    {a.project_key}: "arn:{partition}:sns:{env.region}:{env.account}:{a.project_key}-team"
"""
    if not is_first:
        text += f"  deployed: [qa@{a.org}.example]   # told once {env.name} is deployed and smoke-tested\n"
    text += f"""
# The role through which the datamesh CLI and console act here: {a.org}-{env.name}-datamesh-{access}.
management:
  # readonly: reads the domain, catalog and grants; admin: may also decide subscription requests,
  # publish assets and revoke subscriptions.
  access: {access}
  tools_account: {quoted(a.tools_account)}   # where the management application runs (default: the pipeline's)
  # The tools-account principals that may assume the role (required with admin).
  principals:
    - {sso_role(a.tools_region, a.tools_account, "DataPlatformManager")}
    # - permission_set: DataMeshAdmin   # a permission set of mesh.yaml's identity_center, by name
"""
    return text
