"""One stubbed dev domain for the console's browser tests and the README's screenshots.

It is what environments/ deploys into dev (units with their parents, projects, group members,
glossaries and terms, the catalogs' tables with their columns, terms and forms) with three
deliberate differences, so that every page tells the same story: the home page's units and
projects are the drift page's, a glossary's owner is a project of the projects page, a request's
requester is one of them, and the drift page reports exactly these differences:
- a project made in the portal, outside the YAML (PORTAL_PROJECT),
- a declared group missing from a project (MISSING_MEMBER),
- a term whose short description was edited in the portal (EDITED_TERM).

Each method queues, on the DataZone Stubber, the calls one page makes, in the order its services
make them; ids are opaque (as DataZone's are), so a page that shows an id where a name exists shows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from botocore.stub import Stubber

from mesh_config import load_mesh
from mesh_config.data_products import asset_name
from tests.datamesh_fakes import DOMAIN, MESH, NOW, ROOT_UNIT

ENV = "dev"
PORTAL_PROJECT = "marketing-sandbox"
MISSING_MEMBER = ("finance-customer360-dev-project", "data-scientists")
EDITED_TERM = ("finance-glossary", "ARR", "Annual recurring revenue (edited in the portal)")
MAX = {"maxResults": 50}


def opaque_id(*parts: str, size: int = 14) -> str:
    """A stable id that looks like DataZone's and says nothing of the name."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:size]


@dataclass(frozen=True)
class Table:
    id: str
    name: str
    description: str
    owner_id: str
    published: bool
    columns: list[tuple[str, str]]  # (name, type)
    terms: list[str]  # term ids
    forms: dict[str, dict[str, object]]


class StubbedDomain:
    def __init__(self, dz: Stubber) -> None:
        self.dz = dz
        self.config = load_mesh(MESH)
        self.env = self.config.environment(ENV)
        naming = self.config.naming(self.env)
        self.handler_role = f"arn:aws:iam::{self.env.account}:role/{naming.datazone_handler_role()}"
        declared = self.config.declared_projects(self.env)
        self.keys = {name: p.key for name, p in declared.items()}
        # name -> id, the portal's project included
        self.project_ids = {name: opaque_id("project", name) for name in [*declared, PORTAL_PROJECT]}
        self.units = [
            (opaque_id("unit", u.id), naming.domain_unit(u.id), opaque_id("unit", u.parent) if u.parent else ROOT_UNIT)
            for u in self.config.mesh.domain_units
        ]
        self.groups = self.config.mesh.identity_center.groups  # YAML name -> Identity Center id
        self.group_profiles = {g: opaque_id("group", g) for g in self.groups}
        self.members = {
            name: [
                *(("group", self.group_profiles[g], "PROJECT_OWNER") for g in p.owners_in(ENV)),
                *(
                    ("group", self.group_profiles[g], "PROJECT_CONTRIBUTOR")
                    for g in p.contributors_in(ENV)
                    if (name, g) != MISSING_MEMBER
                ),
                ("user", opaque_id("user", "handler"), "PROJECT_OWNER"),  # the mesh's handler role
            ]
            for name, p in declared.items()
        }
        # name -> (id, owning project id, scope, {term: short description})
        self.glossaries = {
            naming.glossary(g.scope): (
                opaque_id("glossary", g.scope),
                self.project_id(g.owning_project),
                g.scope,
                {
                    t.name: self._short_description(naming.glossary(g.scope), t.name, t.short_description)
                    for t in g.terms
                },
            )
            for g in self.config.mesh.glossaries
        }
        self.term_ids = {
            f"{g.scope}/{t.name}": opaque_id("term", g.scope, t.name)
            for g in self.config.mesh.glossaries
            for t in g.terms
        }
        self.tables = [
            Table(
                opaque_id("asset", asset_name(c.business_unit, t)),
                asset_name(c.business_unit, t),
                t.description,
                self.project_id(c.producer_of(t)),
                t.published,
                [(col.name, col.type) for _, _, col in t.all_columns()],
                [self.term_ids[term] for term in t.terms],
                {form: dict(values) for form, values in t.forms.items()},
            )
            for c in self.config.catalogs_in(self.env)
            for t in c.tables
        ]

    @staticmethod
    def _short_description(glossary: str, term: str, declared: str) -> str:
        return EDITED_TERM[2] if (glossary, term) == EDITED_TERM[:2] else declared

    def project_id(self, key: str) -> str:
        return next(self.project_ids[name] for name, k in self.keys.items() if k == key)

    # --- one call each --------------------------------------------------------------------

    def list_units(self) -> None:
        """The unit tree, walked as OverviewService.units walks it (depth first, last child first)."""
        pending = [ROOT_UNIT]
        while pending:
            parent = pending.pop()
            children = [(i, n) for i, n, p in self.units if p == parent]
            self.dz.add_response(
                "list_domain_units_for_parent",
                {"items": [{"id": i, "name": n} for i, n in children]},
                {"domainIdentifier": DOMAIN, "parentDomainUnitIdentifier": parent, "maxResults": 25},
            )
            pending += [i for i, _ in children]

    def list_projects(self) -> None:
        items = [
            {"domainId": DOMAIN, "id": i, "name": n, "createdBy": "x", "projectStatus": "ACTIVE"}
            for n, i in self.project_ids.items()
        ]
        self.dz.add_response("list_projects", {"items": items}, {"domainIdentifier": DOMAIN, **MAX})

    def search_glossaries(self) -> None:
        items = [
            {"glossaryItem": {"domainId": DOMAIN, "id": i, "name": n, "owningProjectId": owner, "status": "ENABLED"}}
            for n, (i, owner, _, _) in self.glossaries.items()
        ]
        self.dz.add_response("search", {"items": items}, {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY", **MAX})

    def _term_items(self, glossary: str) -> list[dict]:
        glossary_id, _, scope, terms = self.glossaries[glossary]
        return [
            {
                "glossaryTermItem": {
                    "domainId": DOMAIN,
                    "glossaryId": glossary_id,
                    "id": self.term_ids[f"{scope}/{name}"],
                    "name": name,
                    "shortDescription": short,
                    "status": "ENABLED",
                }
            }
            for name, short in terms.items()
        ]

    def search_terms(self, glossary: str) -> None:
        glossary_id = self.glossaries[glossary][0]
        filters = {"filter": {"attribute": "BusinessGlossaryTermForm.businessGlossaryId", "value": glossary_id}}
        self.dz.add_response(
            "search",
            {"items": self._term_items(glossary)},
            {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY_TERM", **MAX, "filters": filters},
        )

    def search_all_terms(self) -> None:
        items = [item for glossary in self.glossaries for item in self._term_items(glossary)]
        self.dz.add_response(
            "search", {"items": items}, {"domainIdentifier": DOMAIN, "searchScope": "GLOSSARY_TERM", **MAX}
        )

    def search_assets(self, text: str = "", exact: bool = False) -> None:
        words = text.lower().split()
        found = [
            t
            for t in self.tables
            if (t.name == text if exact else all(w in f"{t.name} {t.description}".lower() for w in words))
        ]
        items = [
            {
                "assetItem": {
                    "domainId": DOMAIN,
                    "identifier": t.id,
                    "name": t.name,
                    "description": t.description,
                    "owningProjectId": t.owner_id,
                    "typeIdentifier": "amazon.datazone.GlueTableAssetType",
                    "typeRevision": "1",
                    "createdAt": NOW,
                    "createdBy": "x",
                }
            }
            for t in found
        ]
        searched = {"searchText": text} if text else {}
        self.dz.add_response(
            "search", {"items": items}, {"domainIdentifier": DOMAIN, "searchScope": "ASSET", **MAX, **searched}
        )

    # --- one page each ----------------------------------------------------------------------

    def home(self) -> None:
        self.list_units()
        self.list_projects()
        self.search_glossaries()

    def projects_page(self) -> None:
        self.list_projects()

    def project(self, key: str) -> None:
        """A project page: found, read, its members and environments, then its members and profile named."""
        name = next(n for n, k in self.keys.items() if k == key)
        project_id = self.project_ids[name]
        declared = self.config.declared_projects(self.env)[name]
        profile_id = opaque_id("profile", declared.profile)
        self.list_projects()
        self.dz.add_response(
            "get_project",
            {
                "domainId": DOMAIN,
                "id": project_id,
                "name": name,
                "createdBy": "x",
                "projectStatus": "ACTIVE",
                "description": declared.description,
                "projectProfileId": profile_id,
            },
            {"domainIdentifier": DOMAIN, "identifier": project_id},
        )
        members = [
            {"memberDetails": {kind: {f"{kind}Id": member_id}}, "designation": designation}
            for kind, member_id, designation in self.members[name]
        ]
        self.dz.add_response(
            "list_project_memberships",
            {"members": members},
            {"domainIdentifier": DOMAIN, "projectIdentifier": project_id, **MAX},
        )
        environments = [
            {
                "projectId": project_id,
                "id": opaque_id("env", name, e),
                "domainId": DOMAIN,
                "createdBy": "x",
                "name": e,
                "provider": "Amazon SageMaker",
                "status": "ACTIVE",
            }
            for e in ("Tooling", "Lakehouse Database")
        ]
        self.dz.add_response(
            "list_environments",
            {"items": environments},
            {"domainIdentifier": DOMAIN, "projectIdentifier": project_id, **MAX},
        )
        names = {profile: g for g, profile in self.group_profiles.items()}
        for kind, member_id, _ in self.members[name]:
            if kind == "group":
                self.dz.add_response(
                    "get_group_profile",
                    {"domainId": DOMAIN, "id": member_id, "groupName": names[member_id], "status": "ASSIGNED"},
                    {"domainIdentifier": DOMAIN, "groupIdentifier": member_id},
                )
            else:
                self.dz.add_response(
                    "get_user_profile",
                    {
                        "domainId": DOMAIN,
                        "id": member_id,
                        "type": "IAM",
                        "details": {"iam": {"arn": self.handler_role}},
                    },
                    {"domainIdentifier": DOMAIN, "userIdentifier": member_id},
                )
        profile_name = self.config.naming(self.env).project_profile(declared.profile)
        self.dz.add_response(
            "get_project_profile",
            {"domainId": DOMAIN, "id": profile_id, "name": profile_name, "createdBy": "x"},
            {"domainIdentifier": DOMAIN, "identifier": profile_id},
        )

    def catalog(self, text: str = "") -> None:
        self.search_assets(text)
        self.list_projects()

    def asset(self, name: str) -> None:
        """An asset page: found by name, read (its columns, terms, forms and listing), terms and owner named."""
        table = next(t for t in self.tables if t.name == name)
        self.search_assets(name, exact=True)
        forms = [
            {
                "formName": "GlueTableForm",
                "typeName": "amazon.datazone.GlueTableFormType",
                "typeRevision": "5",
                "content": json.dumps({"columns": [{"columnName": c, "dataType": t} for c, t in table.columns]}),
            },
            *(
                {"formName": form, "typeName": form, "typeRevision": "1", "content": json.dumps(values)}
                for form, values in table.forms.items()
            ),
        ]
        answer = {
            "id": table.id,
            "name": table.name,
            "description": table.description,
            "domainId": DOMAIN,
            "owningProjectId": table.owner_id,
            "revision": "3",
            "typeIdentifier": "amazon.datazone.GlueTableAssetType",
            "typeRevision": "1",
            "formsOutput": forms,
        }
        if table.terms:
            answer["glossaryTerms"] = table.terms
        if table.published:
            answer["listing"] = {"listingId": opaque_id("listing", table.name), "listingStatus": "ACTIVE"}
        self.dz.add_response("get_asset", answer, {"domainIdentifier": DOMAIN, "identifier": table.id})
        if table.terms:
            self.search_glossaries()
            self.search_all_terms()
        self.list_projects()

    def glossaries_page(self) -> None:
        self.search_glossaries()
        self.list_projects()

    def glossary(self, name: str) -> None:
        self.search_glossaries()
        self.search_terms(name)

    def drift(self) -> None:
        """The drift page: units, projects, each declared project's group members, glossaries and terms."""
        self.list_units()
        self.list_projects()
        named: set[str] = set()  # group profiles are looked up once per report
        declared = self.config.declared_projects(self.env)
        for name in sorted(declared):
            project = declared[name]
            groups = dict.fromkeys([*project.contributors_in(ENV), *project.owners_in(ENV)])
            for group in groups:
                if group not in named:
                    named.add(group)
                    self.dz.add_response(
                        "get_group_profile",
                        {"domainId": DOMAIN, "id": self.group_profiles[group], "groupName": group},
                        {"domainIdentifier": DOMAIN, "groupIdentifier": self.groups[group]},
                    )
            members = [
                {"memberDetails": {kind: {f"{kind}Id": member_id}}, "designation": designation}
                for kind, member_id, designation in self.members[name]
            ]
            self.dz.add_response(
                "list_project_memberships",
                {"members": members},
                {"domainIdentifier": DOMAIN, "projectIdentifier": self.project_ids[name], **MAX},
            )
        self.search_glossaries()
        for name in sorted(self.glossaries):
            self.search_terms(name)

    # --- subscription requests ----------------------------------------------------------------

    REQUEST_ID = "r1"
    REQUESTER = "ops-inventory-dev-project"
    LISTING = "finance_pnl_reports_table"
    REASON = "Warehouse cost allocation per business unit"

    def request(self, status: str = "PENDING") -> dict:
        table = next(t for t in self.tables if t.name == self.LISTING)
        return {
            "id": self.REQUEST_ID,
            "createdBy": "x",
            "domainId": DOMAIN,
            "status": status,
            "createdAt": NOW,
            "updatedAt": NOW,
            "requestReason": self.REASON,
            "subscribedPrincipals": [{"project": {"id": self.project_ids[self.REQUESTER], "name": self.REQUESTER}}],
            "subscribedListings": [
                {
                    "id": opaque_id("listing", table.name),
                    "name": table.name,
                    "description": table.description,
                    "item": {"assetListing": {}},
                    "ownerProjectId": table.owner_id,
                }
            ],
        }

    def inbox(self, producer: str, pending: bool = True) -> None:
        self.list_projects()
        self.dz.add_response(
            "list_subscription_requests",
            {"items": [self.request()] if pending else []},
            {"domainIdentifier": DOMAIN, "approverProjectId": self.project_id(producer), "status": "PENDING", **MAX},
        )

    def request_details(self, status: str = "PENDING") -> None:
        self.dz.add_response(
            "get_subscription_request_details",
            {**self.request(status), "metadataForms": []},
            {"domainIdentifier": DOMAIN, "identifier": self.REQUEST_ID},
        )

    def decision(self, verdict: str, comment: str) -> None:
        status = {"accept": "ACCEPTED", "reject": "REJECTED"}[verdict]
        self.dz.add_response(
            f"{verdict}_subscription_request",
            self.request(status),
            {"domainIdentifier": DOMAIN, "identifier": self.REQUEST_ID, "decisionComment": comment},
        )

    # --- data products (product_pages.py) --------------------------------------------------

    def _products(self) -> list[dict]:
        return [
            {
                "dataProductItem": {
                    "domainId": DOMAIN,
                    "id": opaque_id("product", p.name),
                    "name": p.name,
                    "owningProjectId": self.project_id(p.owner),
                    "description": p.description,
                }
            }
            for p in self.config.mesh.data_products
            if p.exists_in(ENV)
        ]

    def _product_listings(self, text: str = "") -> None:
        items = [
            {
                "dataProductListing": {
                    "listingId": opaque_id("listing", p["dataProductItem"]["name"]),
                    "entityId": p["dataProductItem"]["id"],
                    "entityRevision": "2",
                    "name": p["dataProductItem"]["name"],
                }
            }
            for p in self._products()
            if not text or p["dataProductItem"]["name"] == text
        ]
        params = {"domainIdentifier": DOMAIN, **MAX, **({"searchText": text} if text else {})}
        self.dz.add_response("search_listings", {"items": items}, params)

    def products_page(self) -> None:
        """The data products page: every product, their listings, the owners named."""
        self.dz.add_response(
            "search", {"items": self._products()}, {"domainIdentifier": DOMAIN, "searchScope": "DATA_PRODUCT", **MAX}
        )
        self._product_listings()
        self.list_projects()

    def product(self, name: str) -> None:
        """A data product's page: found, listed, read, its assets and terms named, its owner named."""
        (found,) = [p for p in self._products() if p["dataProductItem"]["name"] == name]
        self.dz.add_response(
            "search",
            {"items": [found]},
            {"domainIdentifier": DOMAIN, "searchScope": "DATA_PRODUCT", **MAX, "searchText": name},
        )
        self._product_listings(name)
        declared = next(p for p in self.config.mesh.data_products if p.name == name)
        tables = [next(t for t in self.tables if t.name == n) for n in declared.tables]
        item = found["dataProductItem"]
        self.dz.add_response(
            "get_data_product",
            {
                "domainId": DOMAIN,
                "id": item["id"],
                "revision": "2",
                "owningProjectId": item["owningProjectId"],
                "name": name,
                "status": "CREATED",
                "description": declared.description,
                "glossaryTerms": [self.term_ids[t] for t in declared.terms],
                "items": [{"itemType": "ASSET", "identifier": t.id} for t in tables],
                "formsOutput": [
                    {"formName": f, "typeName": f, "typeRevision": "1", "content": json.dumps(v)}
                    for f, v in declared.forms.items()
                ],
            },
            {"domainIdentifier": DOMAIN, "identifier": item["id"]},
        )
        for t in tables:
            self.dz.add_response(
                "get_asset",
                {
                    "id": t.id,
                    "name": t.name,
                    "domainId": DOMAIN,
                    "owningProjectId": t.owner_id,
                    "revision": "3",
                    "typeIdentifier": "amazon.datazone.GlueTableAssetType",
                    "typeRevision": "1",
                    "formsOutput": [],
                },
                {"domainIdentifier": DOMAIN, "identifier": t.id},
            )
        if declared.terms:
            self.search_glossaries()
            self.search_all_terms()
        self.list_projects()
