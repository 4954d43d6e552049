"""A DataZone metadata-enforcement rule on a domain unit: forms (or glossary terms) required to
publish an asset of the unit, or forms required on a subscription request for one.

A custom resource (mesh_constructs/handlers/metadata_rule.py): CloudFormation has no rule type.
Rules are the domain unit owners' (SMUS user guide, "Metadata enforcement rules for publishing"),
so the handler identity is made an owner of each unit it puts rules on (``unit_owner``), the way
MDAA makes its custom-resource role an owner (``AWS::DataZone::Owner`` of a user profile).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import RemovalPolicy
from aws_cdk import aws_datazone as datazone
from constructs import Construct

from mesh_constructs.datazone_handler import DataZoneHandler

# Actions the rule handler calls (Search: the required glossary terms' ids).
METADATA_RULE_ACTIONS = (
    "datazone:CreateRule",
    "datazone:DeleteRule",
    "datazone:GetDomain",
    "datazone:GetRule",
    "datazone:ListRules",
    "datazone:Search",
    "datazone:UpdateRule",
)


@dataclass(frozen=True)
class RequiredForm:
    """A form type and the revision the rule requires (the form-type handler's ``Revision``)."""

    name: str
    revision: str


@dataclass(frozen=True)
class RequiredTerm:
    glossary_id: str
    term: str


@dataclass(frozen=True)
class MetadataRuleProps:
    """``action``: CREATE_LISTING_CHANGE_SET or CREATE_SUBSCRIPTION_REQUEST. Exactly one of
    ``forms`` / ``terms``. The handler's identity must own the unit (``unit_owner``)."""

    domain_id: str
    domain_unit_id: str
    name: str
    action: str
    handler: DataZoneHandler
    description: str = ""
    include_child_units: bool = True
    forms: Sequence[RequiredForm] = field(default_factory=tuple)
    terms: Sequence[RequiredTerm] = field(default_factory=tuple)


class MetadataRule(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: MetadataRuleProps) -> None:
        super().__init__(scope, construct_id)
        if bool(props.forms) == bool(props.terms):
            raise ValueError(f"rule {props.name}: give forms or terms, not both or neither")
        properties = {
            "DomainId": props.domain_id,
            "DomainUnitId": props.domain_unit_id,
            "Name": props.name,
            "Description": props.description,
            "Action": props.action,
            "IncludeChildDomainUnits": "true" if props.include_child_units else "false",
        }
        if props.forms:
            properties["Forms"] = [{"TypeIdentifier": f.name, "TypeRevision": f.revision} for f in props.forms]
        else:
            properties["Terms"] = [{"GlossaryId": t.glossary_id, "Term": t.term} for t in props.terms]
        # DESTROY: a rule holds no data; a rule left behind would keep refusing publications.
        self.resource = props.handler.resource(
            self, "Resource", "Custom::DataZoneMetadataRule", properties, RemovalPolicy.DESTROY
        )
        self.rule_id: str = self.resource.get_att_string("RuleId")


def unit_owner(
    scope: Construct, construct_id: str, domain_id: str, domain_unit_id: str, user_profile_id: str
) -> datazone.CfnOwner:
    """Make a DataZone user (a handler identity's profile) an owner of a domain unit."""
    return datazone.CfnOwner(
        scope,
        construct_id,
        domain_identifier=domain_id,
        entity_type="DOMAIN_UNIT",
        entity_identifier=domain_unit_id,
        owner=datazone.CfnOwner.OwnerPropertiesProperty(
            user=datazone.CfnOwner.OwnerUserPropertiesProperty(user_identifier=user_profile_id)
        ),
    )
