"""Cross-checks of the domain units' metadata rules, and of the mesh's own tables and subscriptions
against them: a deployment never publishes, or requests, what DataZone would refuse.

Which rules guard an asset: DataZone attaches a rule to a domain unit (``domainUnitTarget``) and,
with ``includeChildDomainUnits``, to the units below it (CreateRule, botocore datazone model). A
mesh asset belongs to the unit of the project that owns it, the table's producer; a subscription
request is checked against the rules of the subscribed asset's unit (the SMUS user guide,
"Metadata enforcement rules": domain unit owners set the requirements data consumers meet when
they ask for the unit's data).

What an asset carries when it is published: the data source's forms (attached to every asset it
imports) and the table's own forms and terms, which the deployment adds before it publishes
(mesh_constructs/handlers/data_source_runs.py). A catalog whose data source publishes on import
(``publish_on_import: true``) publishes before that curation: only the data source's forms are
there, and no terms.

Subscription principals: ``extra_principals`` are IAM role ARNs of the environment's account (the
consumer project's account): Lake Formation grants them the subscribed table there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from mesh_config.data_product_checks import check_form_values, check_term
from mesh_config.data_products import Catalog, Table, asset_name, tables_by_asset
from mesh_config.environment import EnvironmentConfig
from mesh_config.errors import ConfigIssue, choices, repeated_indexes
from mesh_config.governance import FieldType, split_term_ref
from mesh_config.mesh import DomainUnit, MeshDefinition
from mesh_config.metadata_rules import MetadataRule, RuleAction
from mesh_config.placement import unit_ancestors
from mesh_config.yaml_source import YamlDocument

Loc = tuple[str | int, ...]

# arn:<partition>:iam::<account>:role/<path/>name (IAM: path segments and a name of [\w+=,.@-]).
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
ANY_ARN = re.compile(r"^arn:[^:]*:(?P<service>[^:]*):[^:]*:(?P<account>[^:]*):(?P<resource>.*)$")


def unit_rules(mesh: MeshDefinition) -> list[tuple[int, DomainUnit, int, MetadataRule]]:
    """(unit index, unit, rule index, rule) of every rule, in declaration order."""
    return [(i, u, j, r) for i, u in enumerate(mesh.domain_units) for j, r in enumerate(u.rules)]


def rules_guarding(mesh: MeshDefinition, unit_id: str, action: RuleAction) -> list[tuple[DomainUnit, MetadataRule]]:
    """The rules of ``action`` that apply to an asset of ``unit_id`` (its own unit's, and its
    ancestors' that include child units), in any environment (callers intersect environments)."""
    units = {u.id: u for u in mesh.domain_units}
    chain = unit_ancestors(unit_id, units)
    found = []
    for _, unit, _, rule in unit_rules(mesh):
        if rule.action is not action or unit.id not in chain:
            continue
        if unit.id != unit_id and not rule.include_child_units:
            continue
        found.append((unit, rule))
    return found


def check_metadata_rules(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    rules = unit_rules(mesh)
    if not rules and not any(s.forms for s in mesh.subscriptions):
        return []
    issues: list[ConfigIssue] = []
    names = [r.name for _, _, _, r in rules]
    for k in repeated_indexes(names):
        i, _, j, _ = rules[k]
        issues.append(
            doc.issue(
                ("domain_units", i, "rules", j, "name"),
                f"a second rule named '{names[k]}'",
                "give each rule of the mesh its own name (DataZone lists them by name)",
            )
        )
    forms = {f.name for f in mesh.metadata_forms}
    terms = {g.scope: {t.name for t in g.terms} for g in mesh.glossaries}
    for i, _, j, rule in rules:
        loc: Loc = ("domain_units", i, "rules", j)
        for k, form in enumerate(rule.forms):
            if form not in forms:
                issues.append(
                    doc.issue(
                        (*loc, "forms", k),
                        f"rule '{rule.name}' requires unknown metadata form '{form}'",
                        f"use one of the metadata_forms ({choices(forms)}), or declare '{form}' under metadata_forms",
                    )
                )
        for k in repeated_indexes(rule.forms):
            issues.append(doc.issue((*loc, "forms", k), f"form '{rule.forms[k]}' listed twice", "list it once"))
        for k, term in enumerate(rule.terms):
            issues += check_term(doc, (*loc, "terms", k), term, terms)
        for k, env in enumerate(rule.environments or []):
            if env not in mesh.environments:
                issues.append(
                    doc.issue(
                        (*loc, "environments", k),
                        f"unknown environment '{env}'",
                        f"use one of: {choices(mesh.environments)}",
                    )
                )
    issues += _check_tables(mesh, doc)
    issues += _check_subscriptions(mesh, doc)
    return issues


def _producer_unit(mesh: MeshDefinition, catalog: Catalog, table: Table) -> str | None:
    project = next((p for p in mesh.projects if p.key == catalog.producer_of(table)), None)
    return project.domain_unit if project else None


def _shared_envs(mesh: MeshDefinition, *environments: list[str] | None) -> list[str]:
    return [e for e in mesh.environments if all(envs is None or e in envs for envs in environments)]


def _check_tables(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for i, catalog in enumerate(mesh.catalogs):
        on_import = catalog.data_source.publish_on_import
        for j, table in enumerate(catalog.tables):
            if not table.published:
                continue
            unit = _producer_unit(mesh, catalog, table)
            if unit is None:
                continue  # an unknown producer is reported by the catalog checks
            name = asset_name(catalog.business_unit, table)
            carried_forms = set(catalog.data_source.forms) | (set() if on_import else set(table.forms))
            carried_terms = set() if on_import else {_qualified(t) for t in table.terms}
            for rule_unit, rule in rules_guarding(mesh, unit, RuleAction.PUBLISH):
                envs = _shared_envs(mesh, rule.environments, catalog.environments)
                if not envs:
                    continue
                missing = [f for f in rule.forms if f not in carried_forms]
                missing += [t for t in rule.terms if _qualified(t) not in carried_terms]
                if not missing:
                    continue
                where = "" if rule_unit.id == unit else f" (and its child units, so {unit})"
                kind = "form" if rule.forms else "glossary term"
                if on_import:
                    fix = (
                        f"the catalog's data source publishes on import, before the table's own forms and terms are "
                        f"attached: add {', '.join(missing)} to catalogs[{i}].data_source.forms, or set "
                        "publish_on_import: false"
                        if rule.forms
                        else "the catalog's data source publishes on import, before terms are attached: set "
                        "data_source.publish_on_import: false and give the table the terms"
                    )
                else:
                    place = "forms" if rule.forms else "terms"
                    fix = (
                        f"add {', '.join(missing)} to the table's {place}"
                        + (" (or to the catalog's data_source.forms)" if rule.forms else "")
                        + ", or set published: false"
                    )
                issues.append(
                    doc.issue(
                        ("catalogs", i, "tables", j),
                        f"table {name} is published in domain unit {unit} without the {kind}"
                        f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} that rule '{rule.name}' of unit "
                        f"{rule_unit.id}{where} requires before publishing (in {', '.join(envs)}): DataZone would "
                        "refuse the publication",
                        fix,
                    )
                )
    return issues


def _qualified(term: str) -> str:
    scope, name = split_term_ref(term, "")
    return f"{scope}/{name}"


def _check_subscriptions(mesh: MeshDefinition, doc: YamlDocument) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    assets = tables_by_asset(mesh.catalogs)
    forms = {f.name: f for f in mesh.metadata_forms}
    terms = {g.scope: {t.name for t in g.terms} for g in mesh.glossaries}
    for k, sub in enumerate(mesh.subscriptions):
        loc: Loc = ("subscriptions", k)
        for name, values in sub.forms.items():
            floc = (*loc, "forms", name)
            issues += check_form_values(doc, floc, name, values, forms, terms)
            form = forms.get(name)
            for field in form.fields if form else []:
                if field.type is FieldType.GLOSSARY_TERM and field.name in values:
                    issues.append(
                        doc.issue(
                            (*floc, field.name),
                            f"'{field.name}' takes a glossary term, which a subscription request cannot resolve",
                            "leave this field out of the subscription's form",
                        )
                    )
        found = assets.get(sub.asset)
        if found is None:
            continue  # reported by the subscription checks
        catalog, table = found
        unit = _producer_unit(mesh, catalog, table)
        if unit is None:
            continue
        for rule_unit, rule in rules_guarding(mesh, unit, RuleAction.SUBSCRIBE):
            envs = _shared_envs(mesh, rule.environments, sub.environments)
            missing = [f for f in rule.forms if f not in sub.forms]
            if envs and missing:
                issues.append(
                    doc.issue(
                        (*loc, "forms"),
                        f"the subscription of {sub.consumer} to {sub.asset} lacks the form"
                        f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} that rule '{rule.name}' of domain "
                        f"unit {rule_unit.id} requires on subscription requests for its assets (in "
                        f"{', '.join(envs)}): DataZone would refuse the request",
                        f"add forms: {{{missing[0]}: {{<field>: <value>, ...}}}} to the subscription",
                    )
                )
    return issues


def check_subscription_principals(
    mesh: MeshDefinition, envs: Sequence[tuple[EnvironmentConfig, YamlDocument]], mesh_doc: YamlDocument
) -> list[ConfigIssue]:
    """Each extra principal is an IAM role ARN of the account of an environment the subscription
    exists in (a consumer project's account: Lake Formation grants it the table there). Roles of
    several accounts may be listed: each environment grants those of its own account."""
    accounts = {env.name: env.account for env, _ in envs}
    issues: list[ConfigIssue] = []
    for k, sub in enumerate(mesh.subscriptions):
        loc: Loc = ("subscriptions", k, "extra_principals")
        for n in repeated_indexes(sub.extra_principals):
            issues.append(mesh_doc.issue((*loc, n), f"'{sub.extra_principals[n]}' listed twice", "list it once"))
        envs = _shared_envs(mesh, sub.environments)
        where = [e for e in envs if e in accounts]
        # An environment file that failed to load has no account to compare with: its own error says why.
        complete = len(where) == len(envs)
        for n, arn in enumerate(sub.extra_principals):
            problem = role_arn_problem(arn)
            if problem:
                issues.append(
                    mesh_doc.issue(
                        (*loc, n),
                        problem,
                        "name an IAM role of the consumer's environment account: arn:aws:iam::<account>:role/<name> "
                        "(with its path, e.g. role/service-role/<name>)",
                    )
                )
                continue
            account = role_account(arn)
            if complete and where and account not in {accounts[e] for e in where}:
                issues.append(
                    mesh_doc.issue(
                        (*loc, n),
                        f"role {arn} is in account {account}, which is not the account of any environment of the "
                        f"consumer's subscription ({_accounts(where, accounts)}): Lake Formation grants the "
                        "subscribed table only to roles of the environment's own account",
                        "name the role of the consumer's environment account (each environment grants the roles of "
                        "its own account), or add the subscription to that account's environment with "
                        "environments: [...]",
                    )
                )
    return issues


def role_account(arn: str) -> str:
    """The account of a role ARN that ``role_arn_problem`` accepted."""
    return ROLE_ARN.match(arn)["account"]  # type: ignore[index]


def role_arn_problem(arn: str) -> str | None:
    if ROLE_ARN.match(arn):
        return None
    parsed = ANY_ARN.match(arn)
    if parsed is None:
        return f"'{arn}' is not an ARN"
    if parsed["service"] == "iam" and not parsed["resource"].startswith("role/"):
        kind = parsed["resource"].split("/")[0] or "resource"
        return f"'{arn}' is an IAM {kind}, not a role: only IAM roles are granted"
    if parsed["service"] != "iam":
        return f"'{arn}' is a {parsed['service'] or '(no service)'} ARN, not an IAM role"
    return f"'{arn}' is not a valid IAM role ARN"


def _accounts(envs: Iterable[str], accounts: Mapping[str, str]) -> str:
    return ", ".join(f"{e}: {accounts[e]}" for e in envs)
