"""The form-type custom-resource handler against botocore Stubber on a real DataZone client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mesh_constructs.handlers import form_type as handler
from mesh_constructs.handlers import support

DOMAIN = "dzd_abc123def456"
PROJECT = "prj1234567890"
NAME = "DataClassification"
STRUCTURE = "structure DataClassification {\n    @required\n    contains_pii: Boolean\n}\n"
MODEL = f"namespace {DOMAIN}\n\n{STRUCTURE}"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def props(**overrides: str) -> dict:
    return {"DomainId": DOMAIN, "OwningProjectId": PROJECT, "Name": NAME, "Description": "How sensitive",
            "Model": STRUCTURE, **overrides}  # fmt: skip


def existing(model: str = MODEL, owner: str = PROJECT, description: str = "How sensitive", status: str = "ENABLED"):
    return {"domainId": DOMAIN, "name": NAME, "revision": "3", "model": {"smithy": model}, "owningProjectId": owner,
            "description": description, "status": status}  # fmt: skip


GET = {"domainIdentifier": DOMAIN, "formTypeIdentifier": NAME}
CREATE = {"domainIdentifier": DOMAIN, "name": NAME, "model": {"smithy": MODEL}, "owningProjectIdentifier": PROJECT,
          "status": "ENABLED", "description": "How sensitive"}  # fmt: skip


def not_found(stub: Stubber, method: str) -> None:
    stub.add_client_error(method, "ResourceNotFoundException", http_status_code=404)


def run(client, deadline, event: dict) -> dict:
    return handler.handle(event, client, deadline)


def test_create_adds_the_namespace_and_enables_the_form(client, deadline):
    with Stubber(client) as stub:
        not_found(stub, "get_form_type")
        stub.add_response("create_form_type", {"domainId": DOMAIN, "name": NAME, "revision": "1"}, CREATE)
        result = run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})
        stub.assert_no_pending_responses()
    assert result == {"PhysicalResourceId": f"{DOMAIN}/{NAME}", "Data": {"Name": NAME, "Revision": "1"}}


def test_rerun_with_the_same_model_writes_nothing(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_form_type", existing(), GET)
        result = run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})
        stub.assert_no_pending_responses()
    assert result["Data"]["Revision"] == "3"


@pytest.mark.parametrize(
    "current",
    [existing(model=MODEL.replace("Boolean", "String")), existing(description="old"), existing(status="DISABLED")],
    ids=["model", "description", "status"],
)
def test_a_changed_form_becomes_a_new_revision(client, current, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_form_type", current, GET)
        stub.add_response("create_form_type", {"domainId": DOMAIN, "name": NAME, "revision": "4"}, CREATE)
        event = {"RequestType": "Update", "PhysicalResourceId": f"{DOMAIN}/{NAME}", "ResourceProperties": props(),
                 "OldResourceProperties": props(Description="old")}  # fmt: skip
        result = run(client, deadline, event)
        stub.assert_no_pending_responses()
    assert result["Data"]["Revision"] == "4"


def test_a_form_of_another_project_is_refused(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("get_form_type", existing(owner="prjother000"), GET)
        with pytest.raises(ValueError, match=r"owned by project prjother000.*cannot change owner"):
            run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})


def test_throttling_then_success(client, sleeps, deadline):
    with Stubber(client) as stub:
        not_found(stub, "get_form_type")
        stub.add_client_error("create_form_type", "ThrottlingException", http_status_code=429)
        stub.add_response("create_form_type", {"domainId": DOMAIN, "name": NAME, "revision": "1"}, CREATE)
        run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})
        stub.assert_no_pending_responses()
    assert sleeps == [1]


def test_retries_are_bounded_and_the_last_error_is_raised(client, sleeps, deadline):
    with Stubber(client) as stub:
        not_found(stub, "get_form_type")
        for _ in range(len(support.RETRY_DELAYS) + 1):
            stub.add_client_error("create_form_type", "ConflictException", http_status_code=409)
        with pytest.raises(ClientError, match="ConflictException"):
            run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})
    assert sleeps == list(support.RETRY_DELAYS)


def test_an_invalid_model_is_raised_not_retried(client, sleeps, deadline):
    with Stubber(client) as stub:
        not_found(stub, "get_form_type")
        stub.add_client_error("create_form_type", "ValidationException", "model does not parse", http_status_code=400)
        with pytest.raises(ClientError, match="model does not parse"):
            run(client, deadline, {"RequestType": "Create", "ResourceProperties": props()})
    assert sleeps == []


def delete_event(physical_id: str = f"{DOMAIN}/{NAME}") -> dict:
    return {"RequestType": "Delete", "PhysicalResourceId": physical_id, "ResourceProperties": props()}


def test_delete(client, deadline):
    with Stubber(client) as stub:
        stub.add_response("delete_form_type", {}, GET)
        assert run(client, deadline, delete_event()) == {"PhysicalResourceId": f"{DOMAIN}/{NAME}"}
        stub.assert_no_pending_responses()


def test_delete_when_already_gone(client, deadline):
    with Stubber(client) as stub:
        not_found(stub, "delete_form_type")
        run(client, deadline, delete_event())
        stub.assert_no_pending_responses()


def test_delete_when_the_domain_is_gone(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("delete_form_type", "AccessDeniedException", http_status_code=403)
        stub.add_client_error("get_domain", "AccessDeniedException", http_status_code=403)
        run(client, deadline, delete_event())
        stub.assert_no_pending_responses()


def test_delete_refused_by_permissions_raises(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("delete_form_type", "AccessDeniedException", http_status_code=403)
        stub.add_response(
            "get_domain",
            {
                "id": DOMAIN,
                "name": "d",
                "status": "AVAILABLE",
                "domainExecutionRole": "arn:aws:iam::123456789012:role/x",
                "arn": "arn:aws:datazone:eu-west-1:123456789012:domain/x",
                "createdAt": NOW,
            },
            {"identifier": DOMAIN},
        )
        with pytest.raises(ClientError, match="AccessDenied"):
            run(client, deadline, delete_event())


def test_delete_of_a_form_still_in_use_raises(client, deadline):
    with Stubber(client) as stub:
        for _ in range(len(support.RETRY_DELAYS) + 1):
            stub.add_client_error("delete_form_type", "ConflictException", "in use by assets", http_status_code=409)
        with pytest.raises(ClientError, match="in use by assets"):
            run(client, deadline, delete_event())


def test_rollback_of_a_failed_create_deletes_nothing(client, deadline):
    with Stubber(client) as stub:
        run(client, deadline, delete_event("stack-FormType-1A2B3C"))
        stub.assert_no_pending_responses()
