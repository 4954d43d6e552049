"""Custom-resource handler: run the data sources of a stack, then curate and publish their assets.

Resource properties::

    DomainId
    Name          stable name (part of the physical id)
    DataSources   [{DataSourceId, ProjectId, Tables: [{Name, Publish, Terms, ColumnTerms, Forms}]}]
                  Terms: [{GlossaryId, Term}]; ColumnTerms: [{Column, GlossaryId, Term}];
                  Forms: [{Name, TypeRevision, Content (JSON text), TermFields: [{Field, GlossaryId, Term}]}]

A data source created by CloudFormation does not run until its schedule (or StartDataSourceRun),
and consumers cannot subscribe to what was never imported and published. So on Create and Update
(any declared change) this:

1. starts a run of every data source and waits until each SUCCEEDED (PARTIALLY_SUCCEEDED goes on:
   step 2 finds what is missing); FAILED stops with the run's error message. The wait and the
   curation share the invocation's deadline (the function's timeout less a margin), which stops
   them with a message saying what was left. This wait stays in on_event rather than the
   Provider's is_complete polling: the framework hands the whole event to Step Functions, whose
   256 KiB input limit a catalog of many curated tables (forms, terms) would exceed;
2. finds each declared table's asset in the producer project's inventory (Search, scope ASSET);
3. writes a new asset revision only when its glossary terms, metadata forms or column terms
   (``ColumnBusinessMetadataForm``) differ from the declaration. CreateAssetRevision replaces the
   whole form set, so the asset's other forms (GlueTableForm, DataSourceReferenceForm, ...) are
   sent again at their current revision;
4. publishes (PUBLISH listing change set) every table marked Publish whose latest revision is not
   listed yet, and unpublishes a listed table no longer marked.

Glossary-term values (asset terms, column terms, glossary_term form fields) are declared by name
and resolved to term ids here. Delete does nothing: the assets belong to the data sources, which
CloudFormation deletes itself.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from .glossary import list_terms
from .support import (
    CLIENT_CONFIG,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    client_token,
    retrying,
    search,
    wait_for,
)

DONE = frozenset({"SUCCESS", "PARTIALLY_SUCCEEDED"})
FAILED = "FAILED"
COLUMN_FORM = "ColumnBusinessMetadataForm"
COLUMN_FORM_TYPE = "amazon.datazone.ColumnBusinessMetadataFormType"
LISTED = frozenset({"ACTIVE", "CREATING"})


class DataProductError(RuntimeError):
    """A run failed or a declared table cannot be curated; the message says which and why."""


def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, boto3.client("datazone", config=CLIENT_CONFIG), Deadline.of(context))


def physical_id(props: dict[str, Any]) -> str:
    return f"{props['DomainId']}/data-source-runs/{props['Name']}"


def handle(event: dict[str, Any], client: Any, deadline: Deadline) -> dict[str, Any]:
    props = event["ResourceProperties"]
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    domain_id = props["DomainId"]
    sources = props["DataSources"]
    run_all(client, domain_id, sources, event.get("RequestId", ""), deadline)
    terms = TermIds(client, domain_id)
    published = 0
    for source in sources:
        for table in source["Tables"]:
            deadline.check(f"curating the tables of data source {source['DataSourceId']} (next: {table['Name']})")
            published += curate(client, domain_id, source, table, terms, deadline)
    LOG.info("%d assets published or republished", published)
    return {"PhysicalResourceId": physical_id(props)}


def run_all(client: Any, domain_id: str, sources: list[dict[str, Any]], request_id: str, deadline: Deadline) -> None:
    runs: dict[str, str] = {}
    for source in sources:
        ds = source["DataSourceId"]
        run = retrying(
            lambda ds=ds: client.start_data_source_run(
                domainIdentifier=domain_id, dataSourceIdentifier=ds, clientToken=client_token(request_id, ds)
            ),
            deadline,
            WRITE_RETRYABLE,
        )
        runs[ds] = run["id"]
    pending = dict(runs)

    def poll() -> bool | None:
        for ds, run_id in list(pending.items()):
            run = client.get_data_source_run(domainIdentifier=domain_id, identifier=run_id)
            if run["status"] == FAILED:
                detail = run.get("errorMessage", {}).get("errorDetail", "no detail")
                raise DataProductError(
                    f"data source {ds} run {run_id} failed: {detail} (the project role needs Lake Formation "
                    "DESCRIBE on the catalog's tables)"
                )
            if run["status"] in DONE:
                del pending[ds]
        return True if not pending else None

    wait_for(poll, deadline, f"the runs of data sources {', '.join(sorted(runs))}")


class TermIds:
    """Glossary term ids by (glossary id, term name), one search per glossary."""

    def __init__(self, client: Any, domain_id: str) -> None:
        self._client, self._domain, self._cache = client, domain_id, {}  # type: ignore[var-annotated]

    def __call__(self, glossary_id: str, term: str) -> str:
        if glossary_id not in self._cache:
            self._cache[glossary_id] = list_terms(self._client, self._domain, glossary_id)
        found = self._cache[glossary_id].get(term)
        if found is None:
            raise DataProductError(f"glossary {glossary_id} has no term {term}: deploy the governance stack first")
        return str(found["id"])


def find_asset(client: Any, domain_id: str, project_id: str, name: str) -> dict[str, Any] | None:
    for item in search(client, domain_id, "ASSET", owningProjectIdentifier=project_id, searchText=name):
        asset = item.get("assetItem")
        if asset and asset["name"] == name:
            return asset
    return None


def wanted_forms(table: dict[str, Any], terms: TermIds) -> dict[str, dict[str, Any]]:
    """Form name -> {typeIdentifier, typeRevision, content} the declaration asks for."""
    out: dict[str, dict[str, Any]] = {}
    for form in table.get("Forms", []):
        content = json.loads(form["Content"])
        for ref in form.get("TermFields", []):
            content[ref["Field"]] = [terms(ref["GlossaryId"], ref["Term"])]
        out[form["Name"]] = {"typeIdentifier": form["Name"], "typeRevision": form["TypeRevision"], "content": content}
    columns: dict[str, list[str]] = {}
    for ref in table.get("ColumnTerms", []):
        columns.setdefault(ref["Column"], []).append(terms(ref["GlossaryId"], ref["Term"]))
    if columns:
        metadata = [{"columnIdentifier": c, "glossaryTerms": ids} for c, ids in sorted(columns.items())]
        out[COLUMN_FORM] = {"typeIdentifier": COLUMN_FORM_TYPE, "content": {"columnsBusinessMetadata": metadata}}
    return out


def curate(
    client: Any, domain_id: str, source: dict[str, Any], table: dict[str, Any], terms: TermIds, deadline: Deadline
) -> int:
    """Bring one asset to its declared metadata and listing state; 1 when it was (re)published."""
    name = table["Name"]
    found = find_asset(client, domain_id, source["ProjectId"], name)
    if found is None:
        raise DataProductError(
            f"table {name} is not in the inventory of project {source['ProjectId']} after the run of data source "
            f"{source['DataSourceId']}: check that the Glue table exists and the project role can DESCRIBE it"
        )
    asset = client.get_asset(domainIdentifier=domain_id, identifier=found["identifier"])
    term_ids = sorted(terms(t["GlossaryId"], t["Term"]) for t in table.get("Terms", []))
    forms = wanted_forms(table, terms)
    current = {f["formName"]: f for f in asset.get("formsOutput", [])}
    changed = sorted(asset.get("glossaryTerms", [])) != term_ids or any(
        json.loads(current[n].get("content") or "{}") != f["content"] if n in current else True
        for n, f in forms.items()
    )
    revision = asset["revision"]
    if changed:
        kept = [_resent(f) for n, f in current.items() if n not in forms]
        declared = [{"formName": n, **f, "content": json.dumps(f["content"])} for n, f in forms.items()]
        forms_input = kept + declared
        new = retrying(
            lambda: client.create_asset_revision(
                domainIdentifier=domain_id,
                identifier=asset["id"],
                name=asset["name"],
                formsInput=forms_input,
                **({"glossaryTerms": term_ids} if term_ids else {}),
                clientToken=client_token(asset["id"], revision, json.dumps(forms_input, sort_keys=True)),
            ),
            deadline,
            WRITE_RETRYABLE,
        )
        revision = new["revision"]
        LOG.info("asset %s: revision %s with its declared terms and forms", name, revision)
    listing = asset.get("listing") or {}
    listed = listing.get("listingStatus") in LISTED
    publish = str(table.get("Publish", "true")).lower() == "true"
    if publish and (changed or not listed):
        _change_listing(client, domain_id, asset["id"], revision, "PUBLISH", deadline)
        return 1
    if not publish and listed:
        _change_listing(client, domain_id, asset["id"], revision, "UNPUBLISH", deadline)
    return 0


def _resent(form: dict[str, Any]) -> dict[str, Any]:
    """An existing form as CreateAssetRevision input, at the revision the asset has."""
    out = {"formName": form["formName"], "content": form.get("content", "{}")}
    if "typeName" in form:
        out["typeIdentifier"] = form["typeName"]
    if "typeRevision" in form:
        out["typeRevision"] = form["typeRevision"]
    return out


def _change_listing(client: Any, domain_id: str, asset_id: str, revision: str, action: str, deadline: Deadline) -> None:
    retrying(
        lambda: client.create_listing_change_set(
            domainIdentifier=domain_id,
            entityIdentifier=asset_id,
            entityType="ASSET",
            entityRevision=revision,
            action=action,
            clientToken=client_token(asset_id, revision, action),
        ),
        deadline,
        WRITE_RETRYABLE,
    )
    LOG.info("asset %s revision %s: %s", asset_id, revision, action)
