"""Custom-resource handler: one DataZone metadata-enforcement rule on a domain unit.

Resource properties (strings, as CloudFormation passes them)::

    DomainId, DomainUnitId, Name, Description, Action (CREATE_LISTING_CHANGE_SET |
    CREATE_SUBSCRIPTION_REQUEST), IncludeChildDomainUnits ("true" | "false"),
    Forms [{TypeIdentifier, TypeRevision}] or Terms [{GlossaryId, Term}]

Why a custom resource: CloudFormation has no rule type (the cfn-lint provider schemas list no
AWS::DataZone::Rule), and the SMUS user guide ("Metadata enforcement rules for publishing") makes
rules the domain unit owners' business: the handler identity is made an owner of the unit first
(mesh_constructs/metadata_rule.py).

- Terms are declared by name and resolved to term ids here (Search, GLOSSARY_TERM), as the data
  source runs resolve an asset's terms; a missing term is an error naming it.
- The physical id is the rule id. A rule is found by its id, else by its name among the unit's
  rules of the same action (ListRules, paginated), before one is created: a re-run after a
  timeout adopts what the first run made. Nothing is written when the rule already matches.
- UpdateRule changes name, description, detail and includeChildDomainUnits; a rule moved to
  another domain, unit or action is a new rule (CreateRule), and CloudFormation then deletes
  the old one.
- Delete succeeds when the rule, or the domain, is already gone.
"""

from __future__ import annotations

import re
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .glossary import list_terms
from .support import (
    CLIENT_CONFIG,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    client_token,
    domain_gone,
    error_code,
    get_or_none,
    paginate,
    retrying,
)

# What the rule is attached to: a rule of another domain, unit or action is another rule.
IDENTITY = ("DomainId", "DomainUnitId", "Action")
TARGET_TYPE = "DOMAIN_UNIT"
# RuleId in the service model.
RULE_ID = re.compile(r"[a-zA-Z0-9_-]{1,36}")
# Every asset type and every project of the unit (RuleScope).
SCOPE = {"assetType": {"selectionMode": "ALL"}, "project": {"selectionMode": "ALL"}}


class RuleError(ValueError):
    """The declared rule cannot be made; the message says what to fix."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s rule %s on unit %s", request, props.get("Name"), props.get("DomainUnitId"))
    if request == "Delete":
        delete(client, props["DomainId"], event["PhysicalResourceId"], deadline)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    old = event.get("OldResourceProperties", {})
    same_place = request == "Update" and all(old.get(k) == props[k] for k in IDENTITY)
    rule_id = reconcile(client, props, event["PhysicalResourceId"] if same_place else None, deadline)
    return {"PhysicalResourceId": rule_id, "Data": {"RuleId": rule_id}}


def detail(client: Any, props: dict[str, Any]) -> dict[str, Any]:
    """The RuleDetail of the declaration, terms resolved to their ids."""
    if props.get("Forms"):
        forms = [{"typeIdentifier": f["TypeIdentifier"], "typeRevision": f["TypeRevision"]} for f in props["Forms"]]
        return {"metadataFormEnforcementDetail": {"requiredMetadataForms": forms}}
    ids = []
    glossaries: dict[str, dict[str, dict[str, Any]]] = {}
    for ref in props.get("Terms", []):
        glossary = ref["GlossaryId"]
        if glossary not in glossaries:
            glossaries[glossary] = list_terms(client, props["DomainId"], glossary)
        term = glossaries[glossary].get(ref["Term"])
        if term is None:
            raise RuleError(
                f"rule {props['Name']}: glossary {glossary} has no term '{ref['Term']}' (the glossaries stack creates "
                "the mesh's terms: deploy it first, or correct the rule's terms)"
            )
        ids.append(str(term["id"]))
    return {"glossaryTermEnforcementDetail": {"requiredGlossaryTermIds": ids}}


def include_children(props: dict[str, Any]) -> bool:
    return str(props.get("IncludeChildDomainUnits", "true")).lower() == "true"


def get_rule(client: Any, domain_id: str, rule_id: str) -> dict[str, Any] | None:
    if not RULE_ID.fullmatch(rule_id):
        return None
    return get_or_none(lambda: client.get_rule(domainIdentifier=domain_id, identifier=rule_id))


def find_rule(client: Any, props: dict[str, Any]) -> dict[str, Any] | None:
    """The unit's own rule of this name and action (not one cascaded from a parent unit)."""
    for item in paginate(
        client,
        "list_rules",
        domainIdentifier=props["DomainId"],
        targetType=TARGET_TYPE,
        targetIdentifier=props["DomainUnitId"],
        action=props["Action"],
    ):
        target = item.get("target", {}).get("domainUnitTarget", {})
        if item.get("name") == props["Name"] and target.get("domainUnitId") == props["DomainUnitId"]:
            return get_rule(client, props["DomainId"], str(item["identifier"]))
    return None


def reconcile(client: Any, props: dict[str, Any], physical_id: str | None, deadline: Deadline) -> str:
    domain_id = props["DomainId"]
    wanted = detail(client, props)
    description = props.get("Description", "")
    children = include_children(props)
    current = get_rule(client, domain_id, physical_id) if physical_id else None
    current = current or find_rule(client, props)
    if current is None:
        created = retrying(
            lambda: client.create_rule(
                domainIdentifier=domain_id,
                name=props["Name"],
                description=description,
                target={
                    "domainUnitTarget": {"domainUnitId": props["DomainUnitId"], "includeChildDomainUnits": children}
                },
                action=props["Action"],
                scope=SCOPE,
                detail=wanted,
                clientToken=client_token(domain_id, props["DomainUnitId"], props["Action"], props["Name"]),
            ),
            deadline,
            WRITE_RETRYABLE,
        )
        LOG.info("created rule %s", created["identifier"])
        return str(created["identifier"])
    rule_id = str(current["identifier"])
    target = current.get("target", {}).get("domainUnitTarget", {})
    same = (
        current.get("name") == props["Name"]
        and current.get("description", "") == description
        and current.get("detail") == wanted
        and bool(target.get("includeChildDomainUnits", False)) == children
        and current.get("scope") == SCOPE
    )
    if same:
        LOG.info("rule %s is up to date", rule_id)
        return rule_id
    retrying(
        lambda: client.update_rule(
            domainIdentifier=domain_id,
            identifier=rule_id,
            name=props["Name"],
            description=description,
            scope=SCOPE,
            detail=wanted,
            includeChildDomainUnits=children,
        ),
        deadline,
        WRITE_RETRYABLE,
    )
    LOG.info("updated rule %s", rule_id)
    return rule_id


def delete(client: Any, domain_id: str, rule_id: str, deadline: Deadline) -> None:
    if not RULE_ID.fullmatch(rule_id):
        # The framework's generated physical id of a create that failed: no rule was made.
        LOG.info("physical id %s is no rule id: nothing to delete", rule_id)
        return
    try:
        retrying(lambda: client.delete_rule(domainIdentifier=domain_id, identifier=rule_id), deadline, WRITE_RETRYABLE)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            LOG.info("rule %s is already gone", rule_id)
            return
        if domain_gone(client, domain_id, error):
            LOG.info("domain %s is gone: nothing to delete", domain_id)
            return
        raise
