"""Custom-resource handler: a DataZone data product over published assets, listed as one unit.

Resource properties::

    DomainId
    ProjectId     the owning project; every asset is in its inventory (the handler's identity is
                  a PROJECT_OWNER of it: the products stack makes it one before this runs)
    Name          unique in the domain
    Description   optional
    Assets        [asset name]: the tables of the owning project, found by name (Search, ASSET)
    Terms         [{GlossaryId, Term}]
    Forms         [{Name, TypeRevision, Content (JSON text), TermFields: [{Field, GlossaryId, Term}]}]
    Fingerprint   changes when a form or glossary the product uses changes (not read: it makes
                  CloudFormation send an Update, mesh_config.fingerprints)

CloudFormation has no AWS::DataZone::DataProduct (cfn-lint's provider schemas list none), so:

Create and Update:
1. find each asset in the owning project's inventory and each term in its glossary; the search
   index follows the products stack's run, which imported and published them, within minutes,
   so a missing one is waited for (every 15 s, on the invocation's deadline) before it is an error;
2. find the product: by physical id (an Update), else by name in the project (a retried Create);
   a product of that name in another project is an error (names are unique in the domain);
3. create it (CreateDataProduct), or, when its name, description, terms, assets or forms differ
   from the declaration, write a new revision (CreateDataProductRevision), which replaces all of
   them: the declaration owns the whole product. Nothing differs: no new revision;
4. wait while the product is CREATING; CREATE_FAILED stops with an error;
5. publish the revision (CreateListingChangeSet, entityType DATA_PRODUCT, PUBLISH) unless the
   catalog already lists that revision (SearchListings, its dataProductListing).

Delete: unpublish the product when it is listed (UNPUBLISH), then DeleteDataProduct; succeeds
when the product, or the whole domain, is gone already. The physical id is the product id.

Sources: botocore's datazone service model (CreateDataProduct, CreateDataProductRevision,
GetDataProduct, DeleteDataProduct, CreateListingChangeSet entityType DATA_PRODUCT, SearchListings'
dataProductListing); the DataZone user guide's data-product pages (create, publish, delete: the
caller must be an owner or contributor of the project).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .data_source_runs import TermIds, find_asset
from .support import (
    CLIENT_CONFIG,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    change_listing,
    client_token,
    domain_gone,
    error_code,
    get_or_none,
    paginate,
    retrying,
    search,
    wait_for,
)

CREATING, CREATED, CREATE_FAILED = "CREATING", "CREATED", "CREATE_FAILED"
# Deleting right after an unpublish may meet the listing still changing: retried as a conflict.
DELETE_RETRYABLE = frozenset({"ThrottlingException", "ConflictException"})


class DataProductError(RuntimeError):
    """The data product cannot be made as declared; the message says why and what to do."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    request = event["RequestType"]
    props = event["ResourceProperties"]
    LOG.info("%s data product %s of project %s", request, props.get("Name"), props.get("ProjectId"))
    if request == "Delete":
        delete(client, props["DomainId"], event["PhysicalResourceId"], deadline)
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    same_project = request == "Update" and event.get("OldResourceProperties", {}).get("ProjectId") == props["ProjectId"]
    product_id = put(client, props, event["PhysicalResourceId"] if same_project else None, deadline)
    return {"PhysicalResourceId": product_id, "Data": {"DataProductId": product_id}}


# --- the declaration, resolved to ids ---------------------------------------------------------


def declared(client: Any, props: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
    """The CreateDataProduct(Revision) fields of the declaration: asset and term ids resolved."""
    domain, project = props["DomainId"], props["ProjectId"]
    terms = TermIds(client, domain, deadline)
    items = []
    for name in props["Assets"]:
        deadline.check(f"finding the assets of data product {props['Name']} (next: {name})")
        asset = wait_for(
            lambda name=name: find_asset(client, domain, project, name),
            deadline,
            f"asset {name} in the inventory of project {project} (the products stack's run imports and publishes it; "
            "if it never appears, check that the table is declared with this producer and published)",
        )
        items.append({"itemType": "ASSET", "identifier": str(asset["identifier"])})
    forms = []
    for form in props.get("Forms", []):
        content = json.loads(form["Content"])
        for ref in form.get("TermFields", []):
            content[ref["Field"]] = [terms(ref["GlossaryId"], ref["Term"])]
        forms.append(
            {
                "formName": form["Name"],
                "typeIdentifier": form["Name"],
                "typeRevision": form["TypeRevision"],
                "content": json.dumps(content, sort_keys=True),
            }
        )
    fields: dict[str, Any] = {"name": props["Name"], "items": items, "formsInput": forms}
    if props.get("Description"):
        fields["description"] = props["Description"]
    glossary_terms = [terms(t["GlossaryId"], t["Term"]) for t in props.get("Terms", [])]
    if glossary_terms:
        fields["glossaryTerms"] = list(dict.fromkeys(glossary_terms))
    return fields


def differs(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether the product's current revision differs from the declaration (the order of assets,
    terms and forms does not count: DataZone keeps sets)."""

    def forms(fs: list[dict[str, Any]]) -> dict[str, tuple[str | None, Any]]:
        return {f["formName"]: (f.get("typeRevision"), json.loads(f.get("content") or "{}")) for f in fs}

    return (
        current.get("name") != wanted["name"]
        or (current.get("description") or "") != wanted.get("description", "")
        or sorted(current.get("glossaryTerms", [])) != sorted(wanted.get("glossaryTerms", []))
        or sorted(i["identifier"] for i in current.get("items", [])) != sorted(i["identifier"] for i in wanted["items"])
        or forms(current.get("formsOutput", [])) != forms(wanted["formsInput"])
    )


# --- create / revise / publish ----------------------------------------------------------------


def find_product(client: Any, domain: str, name: str, project: str | None = None) -> dict[str, Any] | None:
    """The data product named ``name`` (in ``project``, or anywhere in the domain)."""
    extra = {"owningProjectIdentifier": project} if project else {}
    for item in search(client, domain, "DATA_PRODUCT", searchText=name, **extra):
        product = item.get("dataProductItem")
        if product and product["name"] == name and (project is None or product["owningProjectId"] == project):
            return product
    return None


def put(client: Any, props: dict[str, Any], physical_id: str | None, deadline: Deadline) -> str:
    domain, project, name = props["DomainId"], props["ProjectId"], props["Name"]
    wanted = declared(client, props, deadline)
    current = None
    if physical_id is not None:
        current = get_or_none(lambda: client.get_data_product(domainIdentifier=domain, identifier=physical_id))
    if current is None:
        found = find_product(client, domain, name, project)
        if found is not None:
            current = client.get_data_product(domainIdentifier=domain, identifier=found["id"])
    if current is None:
        elsewhere = find_product(client, domain, name)
        if elsewhere is not None:
            raise DataProductError(
                f"a data product named {name} exists in project {elsewhere['owningProjectId']} already: names are "
                "unique in the domain. Deploy its removal first (a product cannot move between projects), or give "
                "this one another name"
            )
        created = retrying(
            lambda: client.create_data_product(
                domainIdentifier=domain,
                owningProjectIdentifier=project,
                **wanted,
                clientToken=client_token(domain, project, name),
            ),
            deadline,
            WRITE_RETRYABLE,
        )
        product_id, revision, changed = str(created["id"]), str(created["revision"]), True
        LOG.info("data product %s created: %s revision %s", name, product_id, revision)
    elif differs(current, wanted):
        product_id = str(current["id"])
        token = client_token(product_id, str(current["revision"]), json.dumps(wanted, sort_keys=True))
        revised = retrying(
            lambda: client.create_data_product_revision(
                domainIdentifier=domain, identifier=product_id, **wanted, clientToken=token
            ),
            deadline,
            WRITE_RETRYABLE,
        )
        revision, changed = str(revised["revision"]), True
        LOG.info("data product %s: revision %s", name, revision)
    else:
        product_id, revision, changed = str(current["id"]), str(current["revision"]), False
        LOG.info("data product %s: as declared at revision %s", name, revision)
    await_created(client, domain, product_id, name, deadline)
    listing = find_listing(client, domain, name, project, product_id)
    if changed or listing is None or listing.get("entityRevision") != revision:
        change_listing(client, domain, "DATA_PRODUCT", product_id, revision, "PUBLISH", deadline)
    return product_id


def await_created(client: Any, domain: str, product_id: str, name: str, deadline: Deadline) -> None:
    def poll() -> bool | None:
        status = client.get_data_product(domainIdentifier=domain, identifier=product_id).get("status", CREATED)
        if status == CREATE_FAILED:
            raise DataProductError(
                f"data product {name} ({product_id}) is CREATE_FAILED: check that every asset is in the owning "
                "project's inventory, then retry the deployment"
            )
        return True if status != CREATING else None

    wait_for(poll, deadline, f"data product {name} ({product_id}) to leave CREATING")


def find_listing(client: Any, domain: str, name: str, project: str, product_id: str) -> dict[str, Any] | None:
    """The catalog's listing of the product (SearchListings' dataProductListing), or None."""
    for item in paginate(client, "search_listings", domainIdentifier=domain, searchText=name):
        listing = item.get("dataProductListing")
        if listing and listing.get("entityId") == product_id and listing.get("owningProjectId") == project:
            return dict(listing)
    return None


# --- delete -------------------------------------------------------------------------------------


def delete(client: Any, domain: str, product_id: str, deadline: Deadline) -> None:
    try:
        current = get_or_none(lambda: client.get_data_product(domainIdentifier=domain, identifier=product_id))
    except ClientError as error:
        # A failed Create leaves the framework's placeholder as the physical id: not a product id.
        if domain_gone(client, domain, error) or error_code(error) == "ValidationException":
            LOG.info("data product %s cannot exist (%s): nothing to delete", product_id, error_code(error))
            return
        raise
    if current is None:
        LOG.info("data product %s is gone already", product_id)
        return
    listing = find_listing(client, domain, current["name"], current["owningProjectId"], product_id)
    if listing is not None:
        try:
            change_listing(client, domain, "DATA_PRODUCT", product_id, str(current["revision"]), "UNPUBLISH", deadline)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
    try:
        retrying(
            lambda: client.delete_data_product(domainIdentifier=domain, identifier=product_id),
            deadline,
            DELETE_RETRYABLE,
        )
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        LOG.info("data product %s was deleted meanwhile", product_id)
