"""Rules on mesh.yaml's ``organization`` section that its model alone cannot see: OU paths against
the environments, the accounts it names, the allowed regions against where the mesh runs, and the
guardrail documents against the IAM grammar and the Organizations size limits."""

from __future__ import annotations

from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.mesh import MeshDefinition
from mesh_config.organization import BaselinePart, Organization
from mesh_config.organization_policies import (
    SCPS_PER_TARGET,
    TAG_POLICY_MAX_CHARACTERS,
    OversizedStatementError,
    minified,
    service_control_policies,
    tag_policy,
)
from mesh_config.policy_grammar import scp_problems
from mesh_config.regions import region_problem
from mesh_config.yaml_source import YamlDocument

SECTION = "organization"


def check_organization(
    mesh: MeshDefinition, envs: list[tuple[EnvironmentConfig, YamlDocument]], doc: YamlDocument
) -> list[ConfigIssue]:
    organization = mesh.organization
    if organization is None:
        return []
    issues = _check_ous(mesh, organization, doc)
    issues += _check_accounts(organization, envs, doc)
    issues += _check_regions(mesh, organization, envs, doc)
    if organization.owns_part(BaselinePart.SCPS) and organization.ous:
        issues += _check_guardrails(mesh, organization, [env for env, _ in envs], doc)
    if organization.owns_part(BaselinePart.TAG_POLICY):
        size = len(minified(tag_policy(list(mesh.environments))))
        if size > TAG_POLICY_MAX_CHARACTERS:
            issues.append(
                doc.issue(
                    ("environments",),
                    f"the tag policy's Environment values make it {size} characters; a tag policy may have at "
                    f"most {TAG_POLICY_MAX_CHARACTERS}",
                    "use fewer or shorter environment names, or leave tag_policy out of organization.owns",
                )
            )
    return issues


def _check_ous(mesh: MeshDefinition, organization: Organization, doc: YamlDocument) -> list[ConfigIssue]:
    known = set(mesh.environments)
    issues = [
        doc.issue(
            (SECTION, "ous", env),
            f"'{env}' is not an environment of the mesh",
            f"key 'ous' by environment name: one of {choices(known)}",
        )
        for env in organization.ous
        if env not in known
    ]
    guarded = [p for p in (BaselinePart.SCPS, BaselinePart.TAG_POLICY) if organization.owns_part(p)]
    if guarded and not organization.ous:
        issues.append(
            doc.issue(
                (SECTION, "ous"),
                f"organization.owns lists {', '.join(p.value for p in guarded)} but no environment has an OU "
                "to attach them to",
                'map each environment to its OU path (e.g. ous: {dev: "Mesh/Dev", prod: "Mesh/Prod"}), or leave '
                "those parts out of organization.owns",
            )
        )
    # Organizations refuses a second OU of the same name under one parent; whether it compares
    # names case-insensitively is not documented, and two OUs differing only by case are a typo
    # anyway: refuse them, as a landing zone's validator would.
    spelled: dict[tuple[str, ...], tuple[str, str]] = {}
    for env, path in organization.ous.items():
        names = path.split("/")
        for depth, name in enumerate(names):
            if name != name.strip():
                issues.append(
                    doc.issue(
                        (SECTION, "ous", env),
                        f"OU name '{name}' in '{path}' starts or ends with a space",
                        "remove the spaces around the OU names",
                    )
                )
            key = tuple(n.lower() for n in names[: depth + 1])
            first_env, first = spelled.setdefault(key, (env, "/".join(names[: depth + 1])))
            written = "/".join(names[: depth + 1])
            if written != first:
                issues.append(
                    doc.issue(
                        (SECTION, "ous", env),
                        f"OU '{written}' differs only by letter case from '{first}' (environment '{first_env}'): "
                        "OU names under one parent must be unique",
                        f"spell it '{first}' to share that OU, or give it a different name",
                    )
                )
                break
    return issues


def _check_accounts(
    organization: Organization, envs: list[tuple[EnvironmentConfig, YamlDocument]], doc: YamlDocument
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    owns_audit = [p for p in (BaselinePart.TRAIL, BaselinePart.LOG_ARCHIVE) if organization.owns_part(p)]
    if owns_audit and organization.log_archive_account is None:
        issues.append(
            doc.issue(
                (SECTION,),
                f"organization.owns lists {', '.join(p.value for p in owns_audit)}, which write into the log-archive "
                "account, but 'log_archive_account' is not set",
                "set organization.log_archive_account to the account id that keeps the audit logs, or leave trail "
                "and log_archive out of organization.owns",
            )
        )
    # SCPs never restrict the management account (AWS Organizations User Guide, "Service control
    # policies"): an environment there would run without any guardrail, and with the power to
    # change the organisation.
    issues += [
        env_doc.issue(
            ("account",),
            f"environment '{env.name}' uses account {env.account}, the organization's management account: service "
            "control policies do not apply there",
            "deploy the environment into a member account of the organization (never the management account)",
        )
        for env, env_doc in envs
        if env.account == organization.management_account
    ]
    return issues


def _check_regions(
    mesh: MeshDefinition,
    organization: Organization,
    envs: list[tuple[EnvironmentConfig, YamlDocument]],
    doc: YamlDocument,
) -> list[ConfigIssue]:
    allowed = organization.allowed_regions
    issues: list[ConfigIssue] = []
    for i, region in enumerate(allowed):
        found = region_problem(region)
        if found:
            issues.append(doc.issue((SECTION, "allowed_regions", i), *found))
    issues += [
        doc.issue(
            (SECTION, "allowed_regions", i),
            f"region '{allowed[i]}' is listed twice",
            "remove the repeated entry",
        )
        for i in repeated_indexes(list(allowed))
    ]
    if organization.region is not None:
        found = region_problem(organization.region)
        if found:
            issues.append(doc.issue((SECTION, "region"), *found))

    # Only the environments placed in an OU run under the region SCP; the others are not governed.
    needed = [(f"environment '{env.name}'", env.region) for env, _ in envs if env.name in organization.ous]
    if mesh.pipeline is not None:
        needed.append(("the pipeline", mesh.pipeline.region))
    for who, region in needed:
        if region not in allowed:
            issues.append(
                doc.issue(
                    (SECTION, "allowed_regions"),
                    f"{who} runs in {region}, which allowed_regions does not list: the region SCP would deny it",
                    f"add {region} to organization.allowed_regions",
                )
            )
    return issues


def _check_guardrails(
    mesh: MeshDefinition, organization: Organization, envs: list[EnvironmentConfig], doc: YamlDocument
) -> list[ConfigIssue]:
    """The SCPs the stack would deploy: each within the IAM grammar and 5 120 characters, and few
    enough to attach to one OU."""
    try:
        policies = service_control_policies(mesh.org, organization, envs)
    except OversizedStatementError as error:
        return [
            doc.issue(
                (SECTION,),
                f"service control policy statement {error.sid} would be {error.size} characters; an SCP may have at "
                f"most {error.limit} (AWS Organizations quota, counted on the minified JSON the stack sends)",
                "list fewer allowed_regions, place fewer environments in OUs, or leave scps out of organization.owns "
                "and attach guardrails of your own",
            )
        ]
    issues = [
        doc.issue((SECTION,), problem, "report this as a bug of the mesh tool: the SCP it generates is invalid")
        for policy in policies
        for problem in scp_problems(policy.name, policy.document)
    ]
    if len(policies) > SCPS_PER_TARGET:
        issues.append(
            doc.issue(
                (SECTION,),
                f"the guardrails need {len(policies)} service control policies; an OU takes at most "
                f"{SCPS_PER_TARGET + 1}, one of them AWS's FullAWSAccess",
                "list fewer allowed_regions or place fewer environments in OUs",
            )
        )
    return issues
