"""Rules on the audit baseline that the models alone cannot see: an environment's budget (someone
must be told, within AWS Budgets' limits) and the organisation's audit parts (the trail needs the
log-archive account it writes to)."""

from __future__ import annotations

from mesh_config.budget import CURRENCIES, MAX_EMAILS, MAX_NOTIFICATIONS
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue
from mesh_config.mesh import MeshDefinition
from mesh_config.naming import (
    BUCKET_RULE,
    NameRule,
    Naming,
    log_archive_access_logs_bucket_name,
    log_archive_bucket_name,
)
from mesh_config.organization import BaselinePart
from mesh_config.yaml_source import YamlDocument


def check_budget(env: EnvironmentConfig, doc: YamlDocument) -> list[ConfigIssue]:
    budget = env.budget
    if budget is None:
        return []
    issues: list[ConfigIssue] = []
    if budget.recipients.empty():
        issues.append(
            doc.issue(
                ("budget", "recipients"),
                "the budget alerts nobody: it has neither e-mail recipients nor an SNS topic",
                "add 'recipients: {emails: [finops@example.com]}' (or sns_topic_arn) under budget, or remove budget",
            )
        )
    if len(budget.recipients.emails) > MAX_EMAILS:
        issues.append(
            doc.issue(
                ("budget", "recipients", "emails"),
                f"{len(budget.recipients.emails)} e-mail recipients; AWS Budgets allows at most {MAX_EMAILS} per alert",
                "keep at most 10 addresses (a mailing list counts as one), or alert the others through sns_topic_arn",
            )
        )
    seen: dict[str, int] = {}
    for i, email in enumerate(budget.recipients.emails):
        first = seen.setdefault(email.lower(), i)
        if first != i:
            issues.append(
                doc.issue(
                    ("budget", "recipients", "emails", i),
                    f"{email} is listed twice (also at position {first})",
                    "remove the repeated address",
                )
            )
    if not budget.thresholds:
        issues.append(
            doc.issue(
                ("budget", "thresholds"),
                "the budget has no thresholds, so it never alerts",
                "add thresholds (e.g. '- {percent: 80}'), or leave the key out for 80/100 actual and 100 forecasted",
            )
        )
    if len(budget.thresholds) > MAX_NOTIFICATIONS:
        issues.append(
            doc.issue(
                ("budget", "thresholds"),
                f"{len(budget.thresholds)} thresholds; AWS Budgets allows at most {MAX_NOTIFICATIONS} per budget",
                f"keep at most {MAX_NOTIFICATIONS} thresholds",
            )
        )
    firsts: dict[tuple[float, str], int] = {}
    for i, threshold in enumerate(budget.thresholds):
        first = firsts.setdefault((threshold.percent, threshold.spend.value), i)
        if first != i:
            issues.append(
                doc.issue(
                    ("budget", "thresholds", i),
                    f"threshold {threshold.percent:g}% of {threshold.spend.value} spend is listed twice "
                    f"(also at position {first}); AWS Budgets refuses duplicate notifications",
                    "remove the repeated threshold",
                )
            )
    if budget.currency not in CURRENCIES:
        issues.append(
            doc.issue(
                ("budget", "currency"),
                f"'{budget.currency}' is not a currency AWS bills in",
                f"use USD, or the payer account's preferred payment currency, one of {', '.join(CURRENCIES)}",
            )
        )
    return issues


# AWS Budgets' BudgetName: at most 100 characters, without ':' or '\\' (CreateBudget).
BUDGET_NAME_RULE = NameRule("budget", r"[^:\\]+", 100)
SHORTEN_ORG = "use a shorter 'org' or environment 'name'"


def check_audit_names(
    mesh: MeshDefinition, env: EnvironmentConfig, mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """The names the baseline stack derives for one environment, against their services' rules."""
    naming = Naming.of(mesh.org, env)
    names: list[tuple[NameRule, str]] = []
    if env.budget is not None:
        names.append((BUDGET_NAME_RULE, naming.budget()))
    if mesh.organization is not None and mesh.organization.owns_part(BaselinePart.CONFIG):
        names.append((BUCKET_RULE, naming.bucket("config")))
    return [
        env_doc.issue(("name",), f"in environment '{env.name}': {problem}", SHORTEN_ORG)
        for rule, name in names
        for problem in rule.problems(name)
    ]


def organization_region(mesh: MeshDefinition, first_environment_region: str) -> str:
    """Where the organisation stacks deploy: organization.region, else the pipeline's, else the first
    environment's (as stacks/organization_stage.py decides)."""
    if mesh.organization is not None and mesh.organization.region is not None:
        return mesh.organization.region
    return mesh.pipeline.region if mesh.pipeline is not None else first_environment_region


def check_audit(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    organization = mesh.organization
    if organization is None:
        return []
    issues: list[ConfigIssue] = []
    # A trail or log archive without log_archive_account: mesh_config/organization_checks.py says so.
    if organization.owns_part(BaselinePart.TRAIL) and not organization.owns_part(BaselinePart.LOG_ARCHIVE):
        issues.append(
            doc.issue(
                ("organization", "owns"),
                "organization owns trail but not log_archive: the trail would write to a bucket this tool does "
                "not create, whose policy and key it cannot vouch for",
                "add log_archive to owns, or remove trail (a landing zone's trail then stays in charge)",
            )
        )
    if organization.owns_part(BaselinePart.LOG_ARCHIVE) and organization.log_archive_account is not None:
        account = organization.log_archive_account
        for name in (
            log_archive_bucket_name(mesh.org, account),
            log_archive_access_logs_bucket_name(mesh.org, account),
        ):
            issues += [
                doc.issue(("org",), f"the log-archive bucket: {problem}", "use a shorter 'org'")
                for problem in BUCKET_RULE.problems(name)
            ]
    audit = organization.audit
    if audit.expire_after_days is not None and audit.expire_after_days <= audit.archive_after_days:
        issues.append(
            doc.issue(
                ("organization", "audit", "expire_after_days"),
                f"logs would be deleted after {audit.expire_after_days} days, before or when they are archived "
                f"({audit.archive_after_days} days)",
                "set expire_after_days above archive_after_days, or lower archive_after_days",
            )
        )
    seen: dict[str, int] = {}
    for i, rule in enumerate(audit.config_rules):
        first = seen.setdefault(rule, i)
        if first != i:
            issues.append(
                doc.issue(
                    ("organization", "audit", "config_rules", i),
                    f"Config rule {rule} is listed twice (also at position {first})",
                    "remove the repeated rule",
                )
            )
    return issues
