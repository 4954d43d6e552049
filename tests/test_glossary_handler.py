"""The glossary custom-resource handler against botocore Stubber on a real DataZone client: every
request and response is validated against the service model, and every expected call must happen
(assert_no_pending_responses) in the order given."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from mesh_constructs.handlers import glossary as handler
from mesh_constructs.handlers import support

DOMAIN = "dzd_abc123def456"
PROJECT = "prj1234567890"
GLOSSARY_ID = "gls1234567890"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NAME = "acme-enterprise-glossary"


def props(terms: list[dict] | None = None, **overrides) -> dict:
    base = {
        "DomainId": DOMAIN,
        "OwningProjectId": PROJECT,
        "Name": NAME,
        "Description": "Enterprise terms",
        "Terms": terms
        if terms is not None
        else [
            {"Name": "Customer", "ShortDescription": "A buyer", "LongDescription": "Someone who buys."},
            {
                "Name": "Account",
                "ShortDescription": "A billing relationship",
                "LongDescription": "",
                "IsA": [{"Glossary": NAME, "Term": "Customer"}],
            },
        ],
    }
    return {**base, **overrides}


def glossary(status: str = "ENABLED", description: str = "Enterprise terms", owner: str = PROJECT) -> dict:
    return {"domainId": DOMAIN, "id": GLOSSARY_ID, "name": NAME, "owningProjectId": owner, "description": description,
            "status": status}  # fmt: skip


def term(
    name: str, tid: str, short: str, long: str = "", relations: dict | None = None, status: str = "ENABLED"
) -> dict:
    item = {"domainId": DOMAIN, "glossaryId": GLOSSARY_ID, "id": tid, "name": name, "shortDescription": short,
            "longDescription": long, "status": status}  # fmt: skip
    if relations:
        item["termRelations"] = relations
    return item


def search_params(scope: str, token: str | None = None, glossary_id: str = GLOSSARY_ID, text: str = NAME) -> dict:
    params: dict = {"domainIdentifier": DOMAIN, "searchScope": scope, "maxResults": 50}
    if scope == "GLOSSARY":
        params["searchText"] = text
    else:
        params["filters"] = {
            "filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary_id}
        }
    if token:
        params["nextToken"] = token
    return params


def stub_glossary_search(stub: Stubber, found: list[dict], text: str = NAME) -> None:
    stub.add_response("search", {"items": [{"glossaryItem": g} for g in found]}, search_params("GLOSSARY", text=text))


def stub_terms(stub: Stubber, *pages: list[dict], glossary_id: str = GLOSSARY_ID) -> None:
    for i, page in enumerate(pages):
        response: dict = {"items": [{"glossaryTermItem": t} for t in page]}
        if i < len(pages) - 1:
            response["nextToken"] = f"page-{i + 2}"
        stub.add_response(
            "search", response, search_params("GLOSSARY_TERM", f"page-{i + 1}" if i else None, glossary_id)
        )


def stub_get(stub: Stubber, found: dict | None) -> None:
    if found is None:
        stub.add_client_error("get_glossary", "ResourceNotFoundException", http_status_code=404,
                              expected_params={"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID})  # fmt: skip
    else:
        stub.add_response("get_glossary", found, {"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID})


def deployed_terms() -> list[dict]:
    """The default props' terms as DataZone holds them after a successful create."""
    return [
        term("Customer", "t-cust", "A buyer", "Someone who buys."),
        term("Account", "t-acct", "A billing relationship", relations={"isA": ["t-cust"]}),
    ]


def created_term(name: str, tid: str) -> dict:
    return {"id": tid, "domainId": DOMAIN, "glossaryId": GLOSSARY_ID, "name": name, "status": "ENABLED"}


def create_term_params(name: str, short: str, long: str) -> dict:
    return {"domainIdentifier": DOMAIN, "glossaryIdentifier": GLOSSARY_ID, "name": name, "shortDescription": short,
            "longDescription": long, "status": "ENABLED", "clientToken": ANY}  # fmt: skip


def relation_params(tid: str, **relations: list[str]) -> dict:
    return {"domainIdentifier": DOMAIN, "identifier": tid, "termRelations": relations}


def stub_fresh_create(stub: Stubber) -> None:
    stub_glossary_search(stub, [])
    stub.add_response(
        "create_glossary",
        glossary(),
        {"domainIdentifier": DOMAIN, "name": NAME, "owningProjectIdentifier": PROJECT,
         "description": "Enterprise terms", "status": "ENABLED", "clientToken": ANY},
    )  # fmt: skip
    stub_terms(stub, [])
    stub.add_response("create_glossary_term", created_term("Customer", "t-cust"),
                      create_term_params("Customer", "A buyer", "Someone who buys."))  # fmt: skip
    stub.add_response("create_glossary_term", created_term("Account", "t-acct"),
                      create_term_params("Account", "A billing relationship", ""))  # fmt: skip
    # Relations only once every term exists.
    stub.add_response(
        "update_glossary_term", created_term("Account", "t-acct"), relation_params("t-acct", isA=["t-cust"])
    )


def run(client, event: dict, deadline) -> dict:
    """Handle ``event`` with the responses its ``_stubs`` function queues; all must be used."""
    with Stubber(client) as stub:
        event.pop("_stubs")(stub)
        result = handler.handle(event, client, deadline)
        stub.assert_no_pending_responses()
    return result


# --- create ---------------------------------------------------------------------------------------


def test_create_makes_the_glossary_then_terms_then_relations(client, sleeps, deadline):
    result = run(
        client, {"RequestType": "Create", "ResourceProperties": props(), "_stubs": stub_fresh_create}, deadline
    )

    assert result == {"PhysicalResourceId": GLOSSARY_ID, "Data": {"GlossaryId": GLOSSARY_ID}}
    assert sleeps == []


def test_create_with_a_lost_physical_id_adopts_the_existing_glossary(client, deadline):
    def stubs(stub: Stubber) -> None:
        # A previous attempt created everything, then the response to CloudFormation was lost.
        stub_glossary_search(stub, [glossary()])
        stub_terms(stub, deployed_terms())

    result = run(client, {"RequestType": "Create", "ResourceProperties": props(), "_stubs": stubs}, deadline)

    assert result["PhysicalResourceId"] == GLOSSARY_ID


def test_glossary_search_matches_the_exact_name_only(client):
    other = {**glossary(), "id": "gls-other", "name": f"{NAME}-archive"}
    with Stubber(client) as stub:
        stub_glossary_search(stub, [other])
        assert handler.find_glossary(client, DOMAIN, NAME) is None


def test_no_op_rerun_makes_no_write_call(client, deadline):
    def stubs(stub: Stubber) -> None:
        stub_get(stub, glossary())
        stub_terms(stub, deployed_terms())

    event = {"RequestType": "Update", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": props(),
             "OldResourceProperties": props(), "_stubs": stubs}  # fmt: skip
    assert run(client, event, deadline)["PhysicalResourceId"] == GLOSSARY_ID


# --- update ---------------------------------------------------------------------------------------


def test_update_changes_descriptions_removes_terms_and_adds_relations(client, deadline):
    new = props(
        terms=[
            {"Name": "Customer", "ShortDescription": "A party that buys", "LongDescription": "Someone who buys."},
            {
                "Name": "Account",
                "ShortDescription": "A billing relationship",
                "LongDescription": "",
                "IsA": [{"Glossary": NAME, "Term": "Customer"}],
                "Classifies": [{"Glossary": NAME, "Term": "Customer"}],
            },
        ],
        Description="Enterprise-wide terms",
    )

    def stubs(stub: Stubber) -> None:
        stub_get(stub, glossary())
        stub.add_response(
            "update_glossary",
            glossary(description="Enterprise-wide terms"),
            {"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID, "name": NAME,
             "description": "Enterprise-wide terms", "status": "ENABLED"},
        )  # fmt: skip
        stub_terms(stub, [term("Customer", "t-cust", "A buyer", "Someone who buys."),
                          term("Account", "t-acct", "A billing relationship", relations={"isA": ["t-cust"]}),
                          term("Legacy", "t-old", "Removed from config")])  # fmt: skip
        stub.add_response(
            "update_glossary_term",
            created_term("Customer", "t-cust"),
            {"domainIdentifier": DOMAIN, "glossaryIdentifier": GLOSSARY_ID, "identifier": "t-cust",
             "shortDescription": "A party that buys", "longDescription": "Someone who buys.", "status": "ENABLED"},
        )  # fmt: skip
        # A term removed from config: disabled, then deleted.
        stub.add_response("update_glossary_term", created_term("Legacy", "t-old"),
                          {"domainIdentifier": DOMAIN, "identifier": "t-old", "status": "DISABLED"})  # fmt: skip
        stub.add_response("delete_glossary_term", {}, {"domainIdentifier": DOMAIN, "identifier": "t-old"})
        stub.add_response("update_glossary_term", created_term("Account", "t-acct"),
                          relation_params("t-acct", isA=["t-cust"], classifies=["t-cust"]))  # fmt: skip

    event = {"RequestType": "Update", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": new,
             "OldResourceProperties": props(), "_stubs": stubs}  # fmt: skip
    assert run(client, event, deadline)["PhysicalResourceId"] == GLOSSARY_ID


def test_relation_to_a_term_of_another_glossary(client, deadline):
    finance = {**glossary(), "id": "gls-fin", "name": "finance-glossary"}
    new = props(terms=[{"Name": "Revenue", "ShortDescription": "Income", "LongDescription": "",
                        "Classifies": [{"Glossary": "finance-glossary", "Term": "ARR"}]}])  # fmt: skip

    def stubs(stub: Stubber) -> None:
        stub_get(stub, glossary())
        stub_terms(stub, [term("Revenue", "t-rev", "Income")])
        stub_glossary_search(stub, [finance], text="finance-glossary")
        stub_terms(stub, [{**term("ARR", "t-arr", "Annual recurring revenue"), "glossaryId": "gls-fin"}],
                   glossary_id="gls-fin")  # fmt: skip
        stub.add_response("update_glossary_term", created_term("Revenue", "t-rev"),
                          relation_params("t-rev", classifies=["t-arr"]))  # fmt: skip

    event = {"RequestType": "Update", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": new,
             "OldResourceProperties": new, "_stubs": stubs}  # fmt: skip
    run(client, event, deadline)


def test_terms_are_read_across_several_search_pages(client, deadline):
    many = [{"Name": f"T{i}", "ShortDescription": f"t{i}", "LongDescription": ""} for i in range(3)]

    def stubs(stub: Stubber) -> None:
        stub_get(stub, glossary())
        stub_terms(stub, [term("T0", "t0", "t0")], [term("T1", "t1", "t1")], [term("T2", "t2", "t2")])

    event = {"RequestType": "Update", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": props(terms=many),
             "OldResourceProperties": props(terms=many), "_stubs": stubs}  # fmt: skip
    run(client, event, deadline)


def test_new_domain_means_a_new_glossary(client, deadline):
    old = props(DomainId="dzd_olddomain123")
    event = {"RequestType": "Update", "PhysicalResourceId": "gls-in-old-domain", "ResourceProperties": props(),
             "OldResourceProperties": old, "_stubs": stub_fresh_create}  # fmt: skip
    assert run(client, event, deadline)["PhysicalResourceId"] == GLOSSARY_ID


# --- retries ----------------------------------------------------------------------------------------


def test_throttling_then_success(client, sleeps, deadline):
    def stubs(stub: Stubber) -> None:
        stub_glossary_search(stub, [])
        stub.add_client_error("create_glossary", "ThrottlingException", http_status_code=429)
        stub.add_client_error("create_glossary", "ThrottlingException", http_status_code=429)
        stub.add_response("create_glossary", glossary())
        stub_terms(stub, [])

    run(client, {"RequestType": "Create", "ResourceProperties": props(terms=[]), "_stubs": stubs}, deadline)
    assert sleeps == [1, 2]


def test_conflict_right_after_create_then_success(client, sleeps, deadline):
    def stubs(stub: Stubber) -> None:
        stub_glossary_search(stub, [])
        stub.add_response("create_glossary", glossary())
        stub_terms(stub, [])
        # The new glossary is not yet visible to CreateGlossaryTerm.
        stub.add_client_error("create_glossary_term", "ResourceNotFoundException", http_status_code=404)
        stub.add_client_error("create_glossary_term", "ConflictException", http_status_code=409)
        stub.add_response("create_glossary_term", created_term("Customer", "t-cust"),
                          create_term_params("Customer", "A buyer", ""))  # fmt: skip

    only = [{"Name": "Customer", "ShortDescription": "A buyer", "LongDescription": ""}]
    run(client, {"RequestType": "Create", "ResourceProperties": props(terms=only), "_stubs": stubs}, deadline)
    assert sleeps == [1, 2]


def test_retries_are_bounded_and_the_last_error_is_raised(client, sleeps, deadline):
    with Stubber(client) as stub:
        stub_glossary_search(stub, [])
        for _ in range(len(support.RETRY_DELAYS) + 1):
            stub.add_client_error("create_glossary", "ThrottlingException", http_status_code=429)
        with pytest.raises(ClientError, match="ThrottlingException"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props(terms=[])}, client, deadline)
        stub.assert_no_pending_responses()
    assert sleeps == list(support.RETRY_DELAYS)


# --- failures raise -----------------------------------------------------------------------------------


def test_service_error_is_raised_not_returned(client, sleeps, deadline):
    with Stubber(client) as stub:
        stub_glossary_search(stub, [])
        stub.add_client_error("create_glossary", "ValidationException", "name too long", http_status_code=400)
        with pytest.raises(ClientError, match="name too long"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props(terms=[])}, client, deadline)
    assert sleeps == []


def test_glossary_of_another_project_is_refused(client, deadline):
    with Stubber(client) as stub:
        stub_glossary_search(stub, [glossary(owner="prj-someone-else")])
        with pytest.raises(ValueError, match="cannot move a glossary to another project"):
            handler.handle({"RequestType": "Create", "ResourceProperties": props()}, client, deadline)


def test_relation_to_a_missing_term_is_refused(client, deadline):
    bad = props(terms=[{"Name": "Revenue", "ShortDescription": "Income", "LongDescription": "",
                        "IsA": [{"Glossary": "sales-glossary", "Term": "Quota"}]}])  # fmt: skip
    with Stubber(client) as stub:
        stub_get(stub, glossary())
        stub_terms(stub, [term("Revenue", "t-rev", "Income")])
        stub_glossary_search(stub, [], text="sales-glossary")
        event = {"RequestType": "Update", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": bad,
                 "OldResourceProperties": bad}  # fmt: skip
        with pytest.raises(ValueError, match="relates to 'Quota' of glossary 'sales-glossary'"):
            handler.handle(event, client, deadline)


# --- delete ---------------------------------------------------------------------------------------


def delete_event() -> dict:
    return {"RequestType": "Delete", "PhysicalResourceId": GLOSSARY_ID, "ResourceProperties": props()}


def test_delete_disables_then_deletes_terms_then_the_glossary(client, deadline):
    with Stubber(client) as stub:
        stub_get(stub, glossary())
        stub.add_response("update_glossary", glossary(status="DISABLED"),
                          {"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID, "status": "DISABLED"})  # fmt: skip
        stub_terms(stub, [term("Customer", "t-cust", "A buyer"), term("Old", "t-old", "x", status="DISABLED")])
        stub.add_response("update_glossary_term", created_term("Customer", "t-cust"),
                          {"domainIdentifier": DOMAIN, "identifier": "t-cust", "status": "DISABLED"})  # fmt: skip
        stub.add_response("delete_glossary_term", {}, {"domainIdentifier": DOMAIN, "identifier": "t-cust"})
        stub.add_response("delete_glossary_term", {}, {"domainIdentifier": DOMAIN, "identifier": "t-old"})
        stub.add_response("delete_glossary", {}, {"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID})
        assert handler.handle(delete_event(), client, deadline) == {"PhysicalResourceId": GLOSSARY_ID}
        stub.assert_no_pending_responses()


def test_delete_when_the_glossary_is_already_gone(client, deadline):
    with Stubber(client) as stub:
        stub_get(stub, None)
        handler.handle(delete_event(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_when_the_whole_domain_is_gone(client, deadline):
    with Stubber(client) as stub:
        # A deleted domain answers 403 for everything in it, GetDomain included.
        stub.add_client_error("get_glossary", "AccessDeniedException", http_status_code=403)
        stub.add_client_error("get_domain", "AccessDeniedException", http_status_code=403,
                              expected_params={"identifier": DOMAIN})  # fmt: skip
        handler.handle(delete_event(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_with_a_real_permission_error_raises(client, deadline):
    with Stubber(client) as stub:
        stub.add_client_error("get_glossary", "AccessDeniedException", "not permitted", http_status_code=403)
        stub.add_response("get_domain", {"id": DOMAIN, "name": "acme-dev-unified-domain", "status": "AVAILABLE",
                                         "domainExecutionRole": "arn:aws:iam::123456789012:role/x"},
                          {"identifier": DOMAIN})  # fmt: skip
        with pytest.raises(ClientError, match="not permitted"):
            handler.handle(delete_event(), client, deadline)


def test_delete_tolerates_a_term_deleted_meanwhile(client, deadline):
    with Stubber(client) as stub:
        stub_get(stub, glossary(status="DISABLED"))
        stub_terms(stub, [term("Old", "t-old", "x", status="DISABLED")])
        stub.add_client_error("delete_glossary_term", "ResourceNotFoundException", http_status_code=404)
        stub.add_response("delete_glossary", {}, {"domainIdentifier": DOMAIN, "identifier": GLOSSARY_ID})
        handler.handle(delete_event(), client, deadline)
        stub.assert_no_pending_responses()


def test_delete_failure_raises(client, deadline):
    with Stubber(client) as stub:
        stub_get(stub, glossary(status="DISABLED"))
        stub_terms(stub, [])
        stub.add_client_error("delete_glossary", "ValidationException", "glossary still in use", http_status_code=400)
        with pytest.raises(ClientError, match="still in use"):
            handler.handle(delete_event(), client, deadline)
