"""The datamesh services added for issue 13's second part, against Stubber on real clients: assets,
subscription requests, permissions, drift and the promotion check."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY, Stubber

from datamesh.context import MeshContext
from datamesh.errors import MeshError, NotFound
from datamesh.services.assets import AssetService
from datamesh.services.drift import DriftService, DriftState
from datamesh.services.permissions import PermissionService
from datamesh.services.promotion import PromotionService
from datamesh.services.subscriptions import SubscriptionService
from tests.datamesh_fakes import (
    DOMAIN,
    GLUE_FORM,
    NOW,
    QUALITY_FORM,
    ROOT_UNIT,
    context,
    get_asset,
    glossaries,
    list_projects,
    project,
    search_asset,
    terms,
    units,
)
from tests.synth import ROOT


def test_show_reads_columns_flags_pii_from_the_yaml_and_keeps_every_form(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "finance_budget_data_table", "a1", searchText="finance_budget_data_table")
    get_asset(dz, "finance_budget_data_table", "a1", [GLUE_FORM, QUALITY_FORM])
    details = AssetService(context(clients)).show("finance_budget_data_table")
    assert [(c.name, c.pii) for c in details.columns] == [("budget_id", False), ("budget_owner_email", True)]
    assert [f.name for f in details.forms] == ["GlueTableForm", "DataQuality"]
    assert details.listing_status == "ACTIVE"
    assert details.declared_in == "mesh.yaml: catalog of finance, table with dataset 'budget_data'"


def test_publishing_a_table_the_yaml_declares_is_refused_with_the_line_to_edit(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "finance_budget_data_table", "a1", searchText="finance_budget_data_table")
    get_asset(dz, "finance_budget_data_table", "a1", [GLUE_FORM])
    with pytest.raises(MeshError) as raised:
        AssetService(context(clients)).unpublish("finance_budget_data_table")
    assert "set 'published: false' there" in str(raised.value)
    dz.assert_no_pending_responses()  # no listing change set was sent


def test_an_undeclared_asset_is_published_through_a_listing_change_set(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "adhoc_churn_scores", "a9", searchText="adhoc_churn_scores")
    get_asset(dz, "adhoc_churn_scores", "a9", [GLUE_FORM], listed=False)
    dz.add_response(
        "create_listing_change_set",
        {"listingId": "lst-9", "listingRevision": "1", "status": "ACTIVE"},
        {"domainIdentifier": DOMAIN, "entityIdentifier": "a9", "entityType": "ASSET", "action": "PUBLISH"},
    )
    assert AssetService(context(clients)).publish("adhoc_churn_scores") == "lst-9 ACTIVE"


def test_an_unknown_asset_gets_a_suggestion(aws):
    clients, stubs = aws
    stubs["datazone"].add_response(
        "search",
        {"items": []},
        {"domainIdentifier": DOMAIN, "searchScope": "ASSET", "maxResults": 50, "searchText": "finance_budget_table"},
    )
    with pytest.raises(NotFound) as raised:
        AssetService(context(clients)).find("finance_budget_table")
    assert "did you mean 'finance_budget_data_table'?" in str(raised.value)


def test_attaching_a_term_resolves_it_by_name_and_resends_every_form(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "adhoc_churn_scores", "a9", searchText="adhoc_churn_scores")
    get_asset(dz, "adhoc_churn_scores", "a9", [GLUE_FORM, QUALITY_FORM], terms=["t-old"])
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    terms(dz, "g1", [("Customer", "")])
    dz.add_response(
        "create_asset_revision",
        {
            "id": "a9",
            "name": "adhoc_churn_scores",
            "domainId": DOMAIN,
            "owningProjectId": "p1",
            "revision": "4",
            "typeIdentifier": "x",
            "typeRevision": "1",
            "formsOutput": [],
        },
        {
            "domainIdentifier": DOMAIN,
            "identifier": "a9",
            "name": "adhoc_churn_scores",
            "glossaryTerms": ["t-old", "t-Customer"],
            "formsInput": [
                {
                    "formName": "GlueTableForm",
                    "typeIdentifier": "amazon.datazone.GlueTableFormType",
                    "typeRevision": "5",
                    "content": json.dumps(json.loads(GLUE_FORM["content"])),
                },
                {
                    "formName": "DataQuality",
                    "typeIdentifier": "DataQuality",
                    "typeRevision": "2",
                    "content": '{"score": 0.9}',
                },
            ],
        },
    )
    search_asset(dz, "adhoc_churn_scores", "a9", searchText="adhoc_churn_scores")
    get_asset(dz, "adhoc_churn_scores", "a9", [GLUE_FORM, QUALITY_FORM], terms=["t-old", "t-Customer"])
    details = AssetService(context(clients)).attach_terms("adhoc_churn_scores", ["acme-enterprise-glossary/Customer"])
    assert details.glossary_terms == ("t-old", "t-Customer")
    dz.assert_no_pending_responses()


def test_setting_a_form_the_asset_lacks_names_the_attached_ones(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "adhoc_churn_scores", "a9", searchText="adhoc_churn_scores")
    get_asset(dz, "adhoc_churn_scores", "a9", [GLUE_FORM, QUALITY_FORM])
    with pytest.raises(NotFound) as raised:
        AssetService(context(clients)).set_form("adhoc_churn_scores", "Ownership", {"team": "x"})
    assert "has no form 'Ownership' (attached: GlueTableForm, DataQuality)" in str(raised.value)


def _request_answer(status: str, reason: str) -> dict:
    """sales-analytics' request for finance_pnl_reports_table, as DataZone answers it."""
    return {
        "id": "req-1",
        "domainId": DOMAIN,
        "status": status,
        "createdAt": NOW,
        "updatedAt": NOW,
        "createdBy": "x",
        "requestReason": reason,
        "subscribedListings": [
            {
                "id": "lst-1",
                "name": "finance_pnl_reports_table",
                "description": "",
                "item": {"assetListing": {"entityId": "a1"}},
                "ownerProjectId": "p1",
            }
        ],
        "subscribedPrincipals": [{"project": {"id": "p2", "name": "sales-analytics-dev-project"}}],
    }


def test_a_subscription_is_requested_for_the_consumer_project(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    list_projects(dz)
    dz.add_response(
        "search_listings",
        {
            "items": [
                {"assetListing": {"listingId": "lst-1", "name": "finance_pnl_reports_table", "owningProjectId": "p1"}}
            ]
        },
        {"domainIdentifier": DOMAIN, "searchText": "finance_pnl_reports_table", "maxResults": 50},
    )
    dz.add_response(
        "create_subscription_request",
        _request_answer("PENDING", "Q3 forecast"),
        {
            "domainIdentifier": DOMAIN,
            "subscribedListings": [{"identifier": "lst-1"}],
            "subscribedPrincipals": [{"project": {"identifier": "p2"}}],
            "requestReason": "Q3 forecast",
        },
    )
    request = SubscriptionService(context(clients)).request(
        "finance_pnl_reports_table", "sales-analytics", "Q3 forecast"
    )
    assert (request.id, request.requester, request.status) == ("req-1", "sales-analytics-dev-project", "PENDING")


def test_a_request_needs_a_reason(aws):
    clients, _ = aws
    with pytest.raises(MeshError, match="needs a reason"):
        SubscriptionService(context(clients)).request("x", "sales-analytics", " ")


def test_lake_formation_grants_follow_next_token_and_show_column_grants(aws):
    clients, stubs = aws
    lf = stubs["lakeformation"]
    table = {"Table": {"DatabaseName": "finance_dev_catalog", "Name": "finance_budget_data_table"}}
    lf.add_response(
        "list_permissions",
        {
            "PrincipalResourcePermissions": [
                {
                    "Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/producer"},
                    "Permissions": ["SELECT", "ALTER"],
                    "PermissionsWithGrantOption": ["SELECT"],
                }
            ],
            "NextToken": "n1",
        },
        {"Resource": table, "MaxResults": 100},
    )
    lf.add_response(
        "list_permissions",
        {
            "PrincipalResourcePermissions": [
                {
                    "Principal": {"DataLakePrincipalIdentifier": "arn:aws:identitystore:::group/analysts"},
                    "Resource": {
                        "TableWithColumns": {
                            "DatabaseName": "finance_dev_catalog",
                            "Name": "finance_budget_data_table",
                            "ColumnWildcard": {"ExcludedColumnNames": ["budget_owner_email"]},
                        }
                    },
                    "Permissions": ["SELECT"],
                }
            ]
        },
        {"Resource": table, "MaxResults": 100, "NextToken": "n1"},
    )
    grants = PermissionService(context(clients)).table_grants("finance_budget_data_table")
    assert [(g.principal.rsplit("/", 1)[-1], g.permissions, g.excluded_columns) for g in grants] == [
        ("producer", ("ALTER", "SELECT"), ()),
        ("analysts", ("SELECT",), ("budget_owner_email",)),
    ]


def test_lake_formation_access_denied_is_one_line(aws):
    clients, stubs = aws
    stubs["lakeformation"].add_client_error(
        "list_permissions", "AccessDeniedException", "not a data lake administrator", 400
    )
    with pytest.raises(MeshError) as raised:
        PermissionService(context(clients)).table_grants("finance_dev_catalog.other")
    assert raised.value.kind == "forbidden"
    assert str(raised.value) == (
        "listing the Lake Formation grants on finance_dev_catalog.other: access denied: not a data lake administrator"
    )


def test_a_table_outside_the_yaml_needs_its_database(aws):
    clients, _ = aws
    with pytest.raises(NotFound, match=r"<database>\.<table>"):
        PermissionService(context(clients)).table_grants("orphan")


def test_who_can_see_an_asset_is_its_owner_and_its_approved_subscribers(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    search_asset(dz, "finance_pnl_reports_table", "a1", searchText="finance_pnl_reports_table")
    get_asset(dz, "finance_pnl_reports_table", "a1", [GLUE_FORM])
    list_projects(dz)
    dz.add_response(
        "list_subscriptions",
        {
            "items": [
                {
                    "id": "s1",
                    "domainId": DOMAIN,
                    "status": "APPROVED",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                    "createdBy": "x",
                    "subscribedPrincipal": {"project": {"id": "p2", "name": "sales-analytics-dev-project"}},
                    "subscribedListing": {
                        "id": "lst-1",
                        "name": "finance_pnl_reports_table",
                        "description": "",
                        "item": {"assetListing": {"entityId": "a1"}},
                        "ownerProjectId": "p1",
                        "revision": "1",
                    },
                    "subscriptionRequestId": "req-1",
                }
            ]
        },
        {"domainIdentifier": DOMAIN, "subscribedListingId": "lst-1", "status": "APPROVED", "maxResults": 50},
    )
    viewers = PermissionService(context(clients)).viewers("finance_pnl_reports_table")
    assert [(v.project, v.how) for v in viewers] == [
        ("finance-reporting-dev-project", "owner"),
        ("sales-analytics-dev-project", "subscription"),
    ]


def test_drift_of_units_names_missing_undeclared_and_moved_ones(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    # Depth first, last child first: the order DriftService walks the tree.
    units(
        dz,
        ROOT_UNIT,
        [
            ("u1", "finance-domain-unit"),
            ("u2", "sales-domain-unit"),
            ("u3", "ops-domain-unit"),
            ("u9", "legacy-domain-unit"),
        ],
    )
    units(dz, "u9", [])
    units(dz, "u3", [("u5", "sales-ops-domain-unit")])  # moved under ops
    units(dz, "u5", [])
    units(dz, "u2", [])
    units(dz, "u1", [("u4", "finance-analytics-domain-unit")])
    units(dz, "u4", [])
    found = {(i.name, i.state, i.detail) for i in DriftService(context(clients)).units()}
    assert found == {
        ("data-platform-domain-unit", DriftState.MISSING, ""),
        ("legacy-domain-unit", DriftState.UNDECLARED, ""),
        ("sales-ops-domain-unit", DriftState.DIFFERS, "parent ops-domain-unit, declared under sales-domain-unit"),
    }


def test_drift_of_projects_and_group_members(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    dz.add_response(
        "list_projects",
        {"items": [project("p1", "finance-reporting-dev-project"), project("p9", "sandbox-project")]},
        {"domainIdentifier": DOMAIN, "maxResults": 50},
    )
    dz.add_response(
        "get_group_profile",
        {"domainId": DOMAIN, "id": "gp-leads", "groupName": "Finance team leads", "status": "ASSIGNED"},
        {"domainIdentifier": DOMAIN, "groupIdentifier": "9067a1b2c3-1a2b3c4d-0003-4a5b-8c9d-0e1f2a3b4c5d"},
    )
    dz.add_client_error("get_group_profile", "ResourceNotFoundException", "no profile", 404)
    dz.add_response(
        "list_project_memberships",
        {
            "members": [
                {"designation": "PROJECT_CONTRIBUTOR", "memberDetails": {"group": {"groupId": "gp-leads"}}},
                {"designation": "PROJECT_OWNER", "memberDetails": {"user": {"userId": "handler-role"}}},
                {"designation": "PROJECT_CONTRIBUTOR", "memberDetails": {"group": {"groupId": "gp-x"}}},
            ]
        },
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )
    items = DriftService(context(clients)).projects_and_members()
    found = {(i.kind, i.name, i.state) for i in items}
    assert ("project", "sandbox-project", DriftState.UNDECLARED) in found
    assert ("project", "sales-analytics-dev-project", DriftState.MISSING) in found
    # gp-leads is finance-analysts (first profile read); finance-team-leads has no profile.
    assert ("member", "finance-reporting-dev-project: finance-team-leads", DriftState.MISSING) in found
    assert ("member", "finance-reporting-dev-project: gp-x", DriftState.UNDECLARED) in found
    assert not [i for i in items if "handler-role" in i.name]


def test_drift_of_glossaries_and_terms(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    glossaries(
        dz,
        [
            ("g1", "acme-enterprise-glossary"),
            ("g2", "finance-glossary"),
            ("g3", "sales-glossary"),
            ("g4", "ops-glossary"),
        ],
    )
    terms(
        dz,
        "g1",
        [
            ("Customer", "someone"),
            ("Product", "A good or service that acme sells, identified by its product code"),
            ("Revenue", "Income recognised from selling products to customers, net of discounts and returns"),
            ("Transaction", "One business event that changes an account balance (order, payment, refund)"),
            ("Account", "The billing relationship between acme and a customer"),
            ("Churn", "x"),
        ],
    )
    for gid, glossary in (("g2", "finance"), ("g4", "ops"), ("g3", "sales")):  # declared names, sorted
        config_terms = next(g for g in context(clients).config.mesh.glossaries if g.scope == glossary).terms
        terms(dz, gid, [(t.name, t.short_description) for t in config_terms])
    found = {(i.name, i.state) for i in DriftService(context(clients)).glossaries()}
    assert found == {
        ("acme-enterprise-glossary/Churn", DriftState.UNDECLARED),
        ("acme-enterprise-glossary/Customer", DriftState.DIFFERS),
    }


def _project_state(
    dz: Stubber, name: str, profiles: dict[str, str | None], members: dict[str, str], terms: list[str], published: bool
) -> None:
    """The calls PromotionService.state makes for finance-customer360, in order."""
    listed = {"items": [project("p1", name)]}
    dz.add_response("list_projects", listed, {"domainIdentifier": DOMAIN, "maxResults": 50})
    dz.add_response("list_projects", listed, {"domainIdentifier": DOMAIN, "maxResults": 50})
    dz.add_response(
        "get_project",
        {"domainId": DOMAIN, "id": "p1", "name": name, "createdBy": "x"},
        {"domainIdentifier": DOMAIN, "identifier": "p1"},
    )
    dz.add_response(
        "list_project_memberships",
        {"members": []},
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )
    dz.add_response(
        "list_environments",
        {
            "items": [
                {
                    "id": "e1",
                    "name": "Tooling",
                    "status": "ACTIVE",
                    "domainId": DOMAIN,
                    "projectId": "p1",
                    "provider": "x",
                    "createdBy": "x",
                }
            ]
        },
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )
    glossaries(dz, [("g1", "acme-enterprise-glossary")])
    dz.add_response(
        "search",
        {
            "items": [
                {
                    "glossaryTermItem": {
                        "domainId": DOMAIN,
                        "glossaryId": "g1",
                        "id": f"id-{t}",
                        "name": t,
                        "status": "ENABLED",
                    }
                }
                for t in ("Customer", "Revenue")
            ]
        },
        {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY_TERM", "maxResults": 50},
    )
    search_asset(dz, "customer_360_table", "a1", owningProjectIdentifier="p1")
    search_asset(dz, "customer_360_table", "a1", searchText="a1")
    get_asset(
        dz, "customer_360_table", "a1", [GLUE_FORM, QUALITY_FORM], terms=[f"id-{t}" for t in terms], listed=published
    )
    for group, profile_id in profiles.items():  # the YAML's groups of the project, sorted
        if profile_id is None:
            dz.add_client_error("get_group_profile", "ResourceNotFoundException", f"{group} not assigned", 404)
        else:
            dz.add_response(
                "get_group_profile",
                {"domainId": DOMAIN, "id": profile_id, "groupName": group},
                {"domainIdentifier": DOMAIN, "groupIdentifier": ANY},
            )
    dz.add_response(
        "list_project_memberships",
        {"members": [{"designation": d, "memberDetails": {"group": {"groupId": gid}}} for gid, d in members.items()]},
        {"domainIdentifier": DOMAIN, "projectIdentifier": "p1", "maxResults": 50},
    )


def test_promotion_check_compares_by_name_and_keeps_env_specific_members(aws):
    clients, stubs = aws  # one set of stubbed clients answers for both domains, in call order
    dz, cfn = stubs["datazone"], stubs["cloudformation"]
    cfn.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "acme-staging-domain",
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [{"OutputKey": "DomainId", "OutputValue": DOMAIN}],
                }
            ]
        },
        {"StackName": "acme-staging-domain"},
    )
    source = context(clients)
    target = MeshContext(source.config, source.config.environment("staging"), lambda service, region: clients[service])
    _project_state(
        dz,
        "finance-customer360-dev-project",
        {"data-scientists": "gp-ds", "finance-analysts": "gp-fa", "finance-team-leads": "gp-tl"},
        {"gp-ds": "PROJECT_CONTRIBUTOR", "gp-fa": "PROJECT_CONTRIBUTOR", "gp-tl": "PROJECT_OWNER"},
        ["Customer", "Revenue"],
        published=True,
    )
    staging_name = source.config.naming(target.env).project("finance", "customer360")
    _project_state(
        dz,
        staging_name,
        {"data-scientists": None, "finance-analysts": "gp-fa2", "finance-team-leads": "gp-tl2"},
        {"gp-tl2": "PROJECT_OWNER"},
        ["Customer"],
        published=False,
    )
    result = PromotionService(source, target).check("finance-customer360")
    changes = {(c.aspect, c.item, c.change) for c in result.changes}
    assert changes == {
        ("member", "data-scientists", "stays"),  # the YAML declares it for dev only
        ("member", "finance-analysts", "add"),
        ("published", "customer_360_table", "change"),
        ("term", "customer_360_table: acme-enterprise-glossary/Revenue", "add"),
    }
    dz.assert_no_pending_responses()


def test_promotion_check_of_an_unknown_project_suggests_one(aws):
    clients, _ = aws
    source = context(clients)
    with pytest.raises(NotFound, match="did you mean 'finance-customer360'"):
        PromotionService(source, source).check("finance-customer36")


def test_revoke_removes_the_permissions_and_an_already_revoked_one_is_one_line(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    dz.add_response(
        "revoke_subscription",
        {
            "id": "s1",
            "domainId": DOMAIN,
            "status": "REVOKED",
            "createdAt": NOW,
            "updatedAt": NOW,
            "createdBy": "x",
            "subscribedPrincipal": {"project": {"id": "p2"}},
            "subscribedListing": {
                "id": "lst-1",
                "name": "t",
                "description": "",
                "item": {"assetListing": {"entityId": "a1"}},
                "ownerProjectId": "p1",
                "revision": "1",
            },
        },
        {"domainIdentifier": DOMAIN, "identifier": "s1", "retainPermissions": False},
    )
    dz.add_client_error("revoke_subscription", "ConflictException", "Subscription is already revoked", 409)
    service = SubscriptionService(context(clients))
    service.revoke("s1")
    with pytest.raises(MeshError) as raised:
        service.revoke("s1")
    assert raised.value.kind == "conflict"
    assert str(raised.value) == "revoking s1: conflict: Subscription is already revoked"


def test_a_consumers_requests_are_listed_by_owning_project(aws):
    clients, stubs = aws
    dz = stubs["datazone"]
    list_projects(dz)
    dz.add_response(
        "list_subscription_requests",
        {"items": [_request_answer("ACCEPTED", "Q3")]},
        {"domainIdentifier": DOMAIN, "owningProjectId": "p2", "status": "ACCEPTED", "maxResults": 50},
    )
    (request,) = SubscriptionService(context(clients)).requests_of("sales-analytics", "ACCEPTED")
    assert (request.listing, request.status) == ("finance_pnl_reports_table", "ACCEPTED")


def test_an_undeployed_environment_is_one_line():
    from tests.datamesh_fakes import _client

    cfn = _client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id acme-dev-domain does not exist", 400)
        ctx = MeshContext.load(str(ROOT / "environments"), "dev", lambda service, region: cfn)
        with pytest.raises(MeshError) as raised:
            _ = ctx.domain_id
    assert raised.value.kind == "not_found"
    assert str(raised.value) == (
        "stack acme-dev-domain does not exist in account 123456789012 (eu-west-1): is dev deployed?"
    )
