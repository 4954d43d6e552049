"""The metadata-rule custom-resource handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mesh_constructs.handlers import metadata_rule as handler

DOMAIN = "dzd_abc123def456"
UNIT = "unit123abc"
RULE = "rule1234abcd"
GLOSSARY = "glossary123"
NAME = "finance-classified-before-publishing"
PUBLISH = "CREATE_LISTING_CHANGE_SET"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FORMS = [{"TypeIdentifier": "DataClassification", "TypeRevision": "3"}]
FORM_DETAIL = {
    "metadataFormEnforcementDetail": {
        "requiredMetadataForms": [{"typeIdentifier": "DataClassification", "typeRevision": "3"}]
    }
}
TARGET = {"domainUnitTarget": {"domainUnitId": UNIT, "includeChildDomainUnits": True}}


def props(**overrides) -> dict:
    return {"DomainId": DOMAIN, "DomainUnitId": UNIT, "Name": NAME, "Description": "Classified first",
            "Action": PUBLISH, "IncludeChildDomainUnits": "true", "Forms": FORMS, **overrides}  # fmt: skip


def rule(**overrides) -> dict:
    return {"identifier": RULE, "revision": "1", "name": NAME, "ruleType": "METADATA_FORM_ENFORCEMENT",
            "target": TARGET, "action": PUBLISH, "scope": handler.SCOPE, "detail": FORM_DETAIL,
            "description": "Classified first", "createdAt": NOW, "updatedAt": NOW, "createdBy": "me",
            "lastUpdatedBy": "me", **overrides}  # fmt: skip


LIST = {"domainIdentifier": DOMAIN, "targetType": "DOMAIN_UNIT", "targetIdentifier": UNIT, "action": PUBLISH,
        "maxResults": 50}  # fmt: skip
GET = {"domainIdentifier": DOMAIN, "identifier": RULE}


def create_params(detail: dict = FORM_DETAIL, children: bool = True) -> dict:
    return {
        "domainIdentifier": DOMAIN,
        "name": NAME,
        "description": "Classified first",
        "target": {"domainUnitTarget": {"domainUnitId": UNIT, "includeChildDomainUnits": children}},
        "action": PUBLISH,
        "scope": handler.SCOPE,
        "detail": detail,
        "clientToken": handler.client_token(DOMAIN, UNIT, PUBLISH, NAME),
    }


def created(detail: dict = FORM_DETAIL) -> dict:
    return {"identifier": RULE, "name": NAME, "ruleType": "METADATA_FORM_ENFORCEMENT", "target": TARGET,
            "action": PUBLISH, "scope": handler.SCOPE, "detail": detail, "createdAt": NOW,
            "createdBy": "me"}  # fmt: skip


def update_params(detail: dict = FORM_DETAIL, **overrides) -> dict:
    return {"domainIdentifier": DOMAIN, "identifier": RULE, "name": NAME, "description": "Classified first",
            "scope": handler.SCOPE, "detail": detail, "includeChildDomainUnits": True, **overrides}  # fmt: skip


def updated() -> dict:
    return {k: v for k, v in rule(revision="2").items() if k != "targetType"}


def test_create_makes_the_rule_when_the_unit_has_none_of_that_name(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": [{"identifier": "other1", "name": "another rule", "target": TARGET}]},
                          LIST)  # fmt: skip
        stub.add_response("create_rule", created(), create_params())
        result = handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": RULE, "Data": {"RuleId": RULE}}


def test_the_unit_rules_are_read_across_pages(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": [], "nextToken": "page-2"}, LIST)
        stub.add_response("list_rules", {"items": [{"identifier": RULE, "name": NAME, "target": TARGET}]},
                          {**LIST, "nextToken": "page-2"})  # fmt: skip
        stub.add_response("get_rule", rule(), GET)
        result = handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == RULE


def test_a_rule_cascaded_from_a_parent_unit_is_not_adopted(client, deadline):
    parent = {"domainUnitTarget": {"domainUnitId": "parentunit", "includeChildDomainUnits": True}}
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": [{"identifier": "rparent", "name": NAME, "target": parent}]}, LIST)
        stub.add_response("create_rule", created(), create_params())
        handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)
        stub.assert_no_pending_responses()


def test_an_update_that_changes_nothing_writes_nothing(client, deadline):
    event = {"RequestType": "Update", "PhysicalResourceId": RULE, "ResourceProperties": props(),
             "OldResourceProperties": props()}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("get_rule", rule(), GET)
        result = handler.handle(event, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == RULE


@pytest.mark.parametrize(
    ("new", "params"),
    [
        ({"Forms": [{"TypeIdentifier": "DataClassification", "TypeRevision": "4"}]},
         update_params({"metadataFormEnforcementDetail": {"requiredMetadataForms": [
             {"typeIdentifier": "DataClassification", "typeRevision": "4"}]}})),
        ({"IncludeChildDomainUnits": "false"}, update_params(includeChildDomainUnits=False)),
        ({"Description": "New words"}, update_params(description="New words")),
    ],
    ids=["form revision", "child units", "description"],
)  # fmt: skip
def test_a_changed_rule_is_updated_in_place(client, deadline, new, params):
    event = {"RequestType": "Update", "PhysicalResourceId": RULE, "ResourceProperties": props(**new),
             "OldResourceProperties": props()}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("get_rule", rule(), GET)
        stub.add_response("update_rule", updated(), params)
        result = handler.handle(event, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == RULE


def test_a_rule_moved_to_another_unit_is_a_new_rule(client, deadline):
    event = {"RequestType": "Update", "PhysicalResourceId": "rold", "ResourceProperties": props(),
             "OldResourceProperties": props(DomainUnitId="otherunit")}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": []}, LIST)
        stub.add_response("create_rule", created(), create_params())
        result = handler.handle(event, client, deadline)
        stub.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == RULE


def test_a_rule_deleted_in_the_portal_is_created_again(client, deadline):
    event = {"RequestType": "Update", "PhysicalResourceId": RULE, "ResourceProperties": props(),
             "OldResourceProperties": props(Description="old")}  # fmt: skip
    with Stubber(client) as stub:
        stub.add_client_error("get_rule", "ResourceNotFoundException", http_status_code=404, expected_params=GET)
        stub.add_response("list_rules", {"items": []}, LIST)
        stub.add_response("create_rule", created(), create_params())
        handler.handle(event, client, deadline)
        stub.assert_no_pending_responses()


def test_required_terms_are_resolved_to_their_ids(client, deadline):
    terms = [{"GlossaryId": GLOSSARY, "Term": "Customer"}, {"GlossaryId": GLOSSARY, "Term": "Transaction"}]
    found = [
        {"glossaryTermItem": {"domainId": DOMAIN, "glossaryId": GLOSSARY, "id": tid, "name": name, "status": "ENABLED"}}
        for name, tid in (("Transaction", "trm-tx"), ("Customer", "trm-cu"))
    ]
    detail = {"glossaryTermEnforcementDetail": {"requiredGlossaryTermIds": ["trm-cu", "trm-tx"]}}
    with Stubber(client) as stub:
        stub.add_response("search", {"items": found})
        stub.add_response("list_rules", {"items": []}, LIST)
        stub.add_response("create_rule", created(detail), create_params(detail))
        handler.handle({"RequestType": "Create", "ResourceProperties": props(Forms=[], Terms=terms)}, client, deadline)
        stub.assert_no_pending_responses()


def test_an_unknown_term_is_an_error_naming_it(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("search", {"items": []})
        with pytest.raises(handler.RuleError, match="no term 'Customer'"):
            handler.handle(
                {"RequestType": "Create",
                 "ResourceProperties": props(Forms=[], Terms=[{"GlossaryId": GLOSSARY, "Term": "Customer"}])},
                client, deadline,
            )  # fmt: skip


def test_throttling_on_create_is_retried(client, deadline, sleeps):
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": []}, LIST)
        stub.add_client_error("create_rule", "ThrottlingException", http_status_code=400)
        stub.add_response("create_rule", created(), create_params())
        handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_a_refused_create_raises(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("list_rules", {"items": []}, LIST)
        stub.add_client_error("create_rule", "AccessDeniedException", http_status_code=403)
        with pytest.raises(ClientError, match="AccessDenied"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)


def test_delete_removes_the_rule(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("delete_rule", {}, GET)
        handler.handle({"RequestType": "Delete", "PhysicalResourceId": RULE, "ResourceProperties": props()},
                       client, deadline)  # fmt: skip
        stub.assert_no_pending_responses()


def test_delete_of_a_rule_already_gone_succeeds(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("delete_rule", "ResourceNotFoundException", http_status_code=404, expected_params=GET)
        handler.handle({"RequestType": "Delete", "PhysicalResourceId": RULE, "ResourceProperties": props()},
                       client, deadline)  # fmt: skip


def test_delete_when_the_domain_is_gone_succeeds(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("delete_rule", "AccessDeniedException", http_status_code=403, expected_params=GET)
        stub.add_client_error("get_domain", "ResourceNotFoundException", http_status_code=404)
        handler.handle({"RequestType": "Delete", "PhysicalResourceId": RULE, "ResourceProperties": props()},
                       client, deadline)  # fmt: skip


def test_delete_refused_in_a_live_domain_raises(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("delete_rule", "AccessDeniedException", http_status_code=403, expected_params=GET)
        stub.add_response("get_domain", {"id": DOMAIN, "status": "AVAILABLE", "name": "d", "portalUrl": "x",
                                         "domainExecutionRole": "arn:aws:iam::123456789012:role/x",
                                         "arn": "arn:aws:datazone:eu-west-1:123456789012:domain/x"})  # fmt: skip
        with pytest.raises(ClientError, match="AccessDenied"):
            handler.handle({"RequestType": "Delete", "PhysicalResourceId": RULE, "ResourceProperties": props()},
                           client, deadline)  # fmt: skip


def test_delete_after_a_failed_create_calls_nothing(client, deadline):
    framework_id = "acme-dev-governance-RuleResource-1A2B3C4D5E6F-" + "x" * 20
    with Stubber(client) as stub:
        handler.handle({"RequestType": "Delete", "PhysicalResourceId": framework_id, "ResourceProperties": props()},
                       client, deadline)  # fmt: skip
        stub.assert_no_pending_responses()


def test_the_change_plan_knows_which_properties_make_a_new_rule():
    from mesh_plan.schemas import CUSTOM_CREATE_ONLY

    assert CUSTOM_CREATE_ONLY["Custom::DataZoneMetadataRule"] == handler.IDENTITY
