"""Cross-reference rules for the workloads of mesh.yaml (``workloads.image_ingestion``)."""

from __future__ import annotations

import re

from mesh_config.data_products import asset_name, tables_by_asset
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import BUCKET_RULE, STACK_RULE, Naming
from mesh_config.placement import business_unit_of
from mesh_config.project_references import referenced_project
from mesh_config.workloads import (
    API_GATEWAY_MAX_PAYLOAD_MB,
    HTTP_MAX_SIZE_MB,
    MAX_RETENTION_DAYS,
    MAX_WIDTH,
    ImageIngestion,
)
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]
SECTION = ("workloads", "image_ingestion")
# AWS::EC2::VPC.Id in the CloudFormation provider schemas (cfn-lint E1151).
CFN_VPC_ID = re.compile(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})")


def check_workloads(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    workloads = mesh.workloads.image_ingestion
    names = [w.name for w in workloads]
    issues = [
        doc.issue(
            (*SECTION, i, "name"),
            f"a second image-ingestion workload named '{names[i]}'",
            "give each workload a name of its own (it names the stack, the buckets and the table)",
        )
        for i in repeated_indexes(names)
    ]
    for i, workload in enumerate(workloads):
        issues += _check_workload(mesh, doc, (*SECTION, i), workload)
    return issues


def workload_environments(mesh: MeshDefinition, workload: ImageIngestion) -> list[str]:
    """Where the workload runs: its own list, else every environment where its owner and the owner's
    business-unit catalog (which publishes its metadata) exist."""
    if workload.environments is not None:
        return [e for e in mesh.environments if e in workload.environments]
    owner = next((p for p in mesh.projects if p.key == workload.owner), None)
    if owner is None:
        return list(mesh.environments)
    bu = business_unit_of(owner.domain_unit, {u.id: u for u in mesh.domain_units})
    catalog = next((c for c in mesh.catalogs if c.business_unit == bu), None)
    return [e for e in mesh.environments if owner.exists_in(e) and (catalog is None or catalog.exists_in(e))]


def _check_workload(mesh: MeshDefinition, doc: YamlDocument, loc: Loc, workload: ImageIngestion) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    known = set(mesh.environments)
    for j, env in enumerate(workload.environments or []):
        if env not in known:
            issues.append(
                doc.issue((*loc, "environments", j), f"unknown environment '{env}'", f"use one of: {choices(known)}")
            )
    envs = [e for e in workload_environments(mesh, workload) if e in known]
    projects = {p.key: p for p in mesh.projects}
    owner, found = referenced_project(
        doc,
        (*loc, "owner"),
        workload.owner,
        projects,
        envs,
        ", where the workload runs",
        "pick a project present in every environment of the workload, or narrow the workload's 'environments'",
    )
    issues += found
    if not 1 <= workload.retention_days <= MAX_RETENTION_DAYS:
        issues.append(
            doc.issue(
                (*loc, "retention_days"),
                f"retention of {workload.retention_days} days is outside 1 to {MAX_RETENTION_DAYS}",
                "keep images and their metadata between 1 and 365 days (7 is the default of the compliance rule)",
            )
        )
    widths = workload.processing.widths
    for j, width in enumerate(widths):
        if not 0 < width <= MAX_WIDTH:
            issues.append(
                doc.issue(
                    (*loc, "processing", "widths", j),
                    f"a rendition width of {width} pixels",
                    f"give widths between 1 and {MAX_WIDTH} pixels, e.g. [320, 1024]",
                )
            )
    for j in repeated_indexes([str(w) for w in widths]):
        issues.append(
            doc.issue(
                (*loc, "processing", "widths", j),
                f"width {widths[j]} listed twice",
                "list each rendition width once",
            )
        )
    issues += _check_inputs(mesh, doc, loc, workload, envs)
    if owner is not None:
        issues += _check_table(mesh, doc, loc, workload, owner.domain_unit, envs)
    return issues


def _check_inputs(
    mesh: MeshDefinition, doc: YamlDocument, loc: Loc, workload: ImageIngestion, envs: list[str]
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    kafka = workload.inputs.kafka
    if workload.http is None and kafka is None:
        issues.append(
            doc.issue(
                (*loc, "inputs"),
                "no input is enabled: the workload would receive no image",
                "add inputs.http: {enabled: true} or inputs.kafka: {topic: ..., cluster_arn: ...} (or remove the "
                "workload)",
            )
        )
    if workload.http is not None and workload.max_size_mb > HTTP_MAX_SIZE_MB:
        issues.append(
            doc.issue(
                (*loc, "max_size_mb"),
                f"{workload.max_size_mb} MB is above the {HTTP_MAX_SIZE_MB} MB the HTTP input can receive: API "
                f"Gateway accepts {API_GATEWAY_MAX_PAYLOAD_MB} MB, but it hands the image base64-encoded to the upload "
                "Lambda, whose synchronous request is at most 6 MB",
                f"set max_size_mb to {HTTP_MAX_SIZE_MB} or less, or turn the HTTP input off (inputs.http.enabled: "
                "false) and send large images through Kafka",
            )
        )
    if kafka is None:
        return issues
    kloc = (*loc, "inputs", "kafka")
    known = set(mesh.environments)
    if isinstance(kafka.create, list):
        for j, env in enumerate(kafka.create):
            if env not in envs:
                issues.append(
                    doc.issue(
                        (*kloc, "create", j),
                        f"'{env}' is not an environment of the workload",
                        f"use one of: {choices(envs)}",
                    )
                )
    if isinstance(kafka.cluster_arn, dict):
        for env in kafka.cluster_arn:
            if env not in known:
                issues.append(
                    doc.issue(
                        (*kloc, "cluster_arn", env), f"unknown environment '{env}'", f"use one of: {choices(known)}"
                    )
                )
            elif kafka.creates_in(env):
                issues.append(
                    doc.issue(
                        (*kloc, "cluster_arn", env),
                        f"environment '{env}' both creates a cluster (create) and names an existing one",
                        f"remove '{env}' from cluster_arn or from create",
                    )
                )
    elif kafka.cluster_arn is not None and kafka.create is True:
        issues.append(
            doc.issue(
                (*kloc, "cluster_arn"),
                "create: true and cluster_arn: a workload reads one cluster per environment",
                "remove cluster_arn, or set create to the environments that get a new cluster",
            )
        )
    missing = [e for e in envs if not kafka.creates_in(e) and kafka.existing_arn_in(e) is None]
    if missing:
        issues.append(
            doc.issue(
                kloc,
                f"no MSK cluster for environment{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                "name an existing cluster (cluster_arn: {<env>: arn:aws:kafka:...}) or list the environment under "
                "create",
            )
        )
    return issues


def _check_table(
    mesh: MeshDefinition, doc: YamlDocument, loc: Loc, workload: ImageIngestion, owner_unit: str, envs: list[str]
) -> list[ConfigIssue]:
    bu = business_unit_of(owner_unit, {u.id: u for u in mesh.domain_units})
    catalog = next((c for c in mesh.catalogs if c.business_unit == bu), None)
    if catalog is None:
        return [
            doc.issue(
                (*loc, "owner"),
                f"business unit '{bu}' of project '{workload.owner}' has no domain catalog to publish the "
                "workload's metadata in",
                f"declare a catalog for '{bu}' under catalogs (its tables may be empty), or pick an owner of a unit "
                f"with one: {choices(c.business_unit for c in mesh.catalogs)}",
            )
        ]
    issues: list[ConfigIssue] = []
    missing = [e for e in envs if not catalog.exists_in(e)]
    if missing:
        issues.append(
            doc.issue(
                (*loc, "environments"),
                f"the workload runs in {', '.join(missing)}, where the '{bu}' catalog that publishes its metadata "
                "does not exist",
                f"list only environments of the '{bu}' catalog under the workload's 'environments', or add "
                f"{', '.join(missing)} to the catalog's",
            )
        )
    table = workload.metadata_table(bu)
    name = asset_name(bu, table)
    declared = tables_by_asset(mesh.catalogs)
    if name in declared:
        issues.append(
            doc.issue(
                (*loc, "table", "dataset"),
                f"the workload's metadata table '{name}' has the name of a table declared in catalog "
                f"'{declared[name][0].business_unit}'",
                "give the workload table another dataset (table.dataset), or rename the declared table",
            )
        )
    prefix = table.storage.prefix
    for c in mesh.catalogs:
        for t in c.tables:
            other = t.storage.prefix
            if t.storage.layer == "curated" and (other.startswith(prefix) or prefix.startswith(other)):
                issues.append(
                    doc.issue(
                        (*loc, "name"),
                        f"the workload writes its metadata under curated/{prefix}, which overlaps the prefix "
                        f"'{other}' of table '{asset_name(c.business_unit, t)}'",
                        "rename the workload, or move the declared table to a prefix of its own",
                    )
                )
    return issues


def check_workload_environment(mesh: MeshDefinition, env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    """Per environment: the existing cluster is in the environment's account and region, a new one has a
    VPC to live in, and the derived names fit CloudFormation's rules."""
    naming = Naming.of(mesh.org, env)
    issues: list[ConfigIssue] = []
    for i, workload in enumerate(mesh.workloads.image_ingestion):
        if env.name not in workload_environments(mesh, workload):
            continue
        loc = (*SECTION, i)
        for rule, name in (
            (STACK_RULE, naming.ingestion_stack(workload.name)),
            (BUCKET_RULE, naming.ingestion_bucket(workload.name, "access-logs")),
        ):
            for problem in rule.problems(name):
                issues.append(doc.issue((*loc, "name"), f"in environment '{env.name}': {problem}", "shorten the name"))
        kafka = workload.inputs.kafka
        if kafka is None:
            continue
        kloc = (*loc, "inputs", "kafka")
        arn = kafka.existing_arn_in(env.name)
        if arn is not None:
            where = (*kloc, "cluster_arn", env.name) if isinstance(kafka.cluster_arn, dict) else (*kloc, "cluster_arn")
            _, _, _, region, account, _ = arn.split(":", 5)
            if account != env.account:
                issues.append(
                    doc.issue(
                        where,
                        f"the MSK cluster is in account {account}, not in environment '{env.name}''s account "
                        f"{env.account}, where the workload's Lambda reads it",
                        "name a cluster of the environment's account (a cross-account cluster needs multi-VPC "
                        "private connectivity, which the workload does not set up)",
                    )
                )
            elif region != env.region:
                issues.append(
                    doc.issue(
                        where,
                        f"the MSK cluster is in region {region}, not in environment '{env.name}''s region {env.region}",
                        "name a cluster of the environment's region: an event source mapping reads only its own region",
                    )
                )
        elif (
            kafka.creates_in(env.name)
            and env.network.vpc_id is not None
            and not CFN_VPC_ID.fullmatch(env.network.vpc_id)
        ):
            issues.append(
                doc.issue(
                    (*kloc, "create"),
                    f"environment '{env.name}''s network.vpc_id {env.network.vpc_id} is not a VPC id CloudFormation "
                    "takes for the cluster's security group (vpc- and 8 or 17 hex digits)",
                    "correct network.vpc_id in the environment file, or name an existing cluster there",
                )
            )
        elif kafka.creates_in(env.name) and env.network.vpc_id is None:
            issues.append(
                doc.issue(
                    (*kloc, "create"),
                    f"environment '{env.name}' names no VPC (network.vpc_id and subnet_ids) for the MSK Serverless "
                    "cluster",
                    "set network.vpc_id and subnet_ids in the environment file, or name an existing cluster there",
                )
            )
    return issues
