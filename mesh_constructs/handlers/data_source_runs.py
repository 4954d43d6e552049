"""Custom-resource handler: run the data sources of a stack, then curate and publish their assets.

Resource properties::

    DomainId
    Name          stable name (part of the physical id)
    Fingerprint   changes when a declaration the runs depend on changes (not read: it makes
                  CloudFormation send an Update, mesh_config.fingerprints)
    DataSources   [{DataSourceId, ProjectId, Tables: [{Name, Publish, Terms, ColumnTerms,
                  ColumnDescriptions, Forms}]}]
                  Terms: [{GlossaryId, Term}]; ColumnTerms: [{Column, GlossaryId, Term}];
                  ColumnDescriptions: [{Column, Description}] (optional);
                  Forms: [{Name, TypeRevision, Content (JSON text), TermFields: [{Field, GlossaryId, Term}],
                  Fields: [every field of the form's model] (optional)}]

A data source created by CloudFormation does not run until its schedule (or StartDataSourceRun),
and consumers cannot subscribe to what was never imported and published. So on Create and Update
(any declared change) this:

1. starts a run of every data source and waits until each SUCCEEDED (PARTIALLY_SUCCEEDED goes on:
   step 2 finds what is missing); FAILED stops with the run's error message. The waits and the
   curation share the invocation's deadline (the function's timeout less a margin), which stops
   them with a message saying what was left. This wait stays in on_event rather than the
   Provider's is_complete polling: the framework hands the whole event to Step Functions, whose
   256 KiB input limit a catalog of many curated tables (forms, terms) would exceed;
2. finds each declared table's asset in the producer project's inventory (Search, scope ASSET),
   and each declared glossary term (Search, scope GLOSSARY_TERM). The search index follows an
   import or a new term after a while, so a missing one is waited for (every 15 s, on the same
   deadline) before it is an error;
3. merges the declaration into the asset's metadata and writes a new revision only when something
   declared differs. The declaration owns what it declares and nothing else, so what was curated
   in the portal stays: a declared form field or column description is set; a declared asset or
   column term is added to the terms already there; a value the previous deployment declared and
   this one no longer does (OldResourceProperties) is taken back, a description only if nobody
   changed it since. Columns and fields the declaration does not name keep their values; a form
   at another type revision is moved to the declared one, keeping the values of its fields.
   CreateAssetRevision replaces the whole asset, so the asset's description, terms and other
   forms (GlueTableForm, DataSourceReferenceForm, ...) are sent again as they are: the merge of
   aws-samples/amazon-datazone-examples, AssetMetadataSyncBusinessLogic.py;
4. publishes (PUBLISH listing change set) every table marked Publish whose latest revision is not
   listed yet, and unpublishes a listed table no longer marked.

Glossary-term values (asset terms, column terms, glossary_term form fields) are declared by name
and resolved to term ids here. Delete does nothing: the assets belong to the data sources, which
CloudFormation deletes itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3

from .glossary import list_terms
from .support import (
    CLIENT_CONFIG,
    LOG,
    WRITE_RETRYABLE,
    Deadline,
    LambdaContext,
    change_listing,
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
# CreateAssetRevision: glossaryTerms holds 1-20 term ids (botocore model, GlossaryTerms).
MAX_ASSET_TERMS = 20


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
    previous = previous_tables(event)
    run_all(client, domain_id, sources, event.get("RequestId", ""), deadline)
    terms = TermIds(client, domain_id, deadline)
    published = 0
    for source in sources:
        for table in source["Tables"]:
            deadline.check(f"curating the tables of data source {source['DataSourceId']} (next: {table['Name']})")
            published += curate(client, domain_id, source, table, previous.get(table["Name"]), terms, deadline)
    LOG.info("%d assets published or republished", published)
    return {"PhysicalResourceId": physical_id(props)}


def previous_tables(event: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Table name -> its declaration in the previous deployment (an Update's OldResourceProperties),
    whatever data source it was in: what that declaration set and this one does not is taken back."""
    if event["RequestType"] != "Update":
        return {}
    old = event.get("OldResourceProperties") or {}
    return {t["Name"]: t for s in old.get("DataSources", []) for t in s.get("Tables", [])}


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
    """Glossary term ids by (glossary id, term name): one search per glossary, again while a term
    is not indexed yet."""

    def __init__(self, client: Any, domain_id: str, deadline: Deadline) -> None:
        self._client, self._domain, self._deadline = client, domain_id, deadline
        self._cache: dict[str, dict[str, dict[str, Any]]] = {}

    def _listed(self, glossary_id: str) -> dict[str, dict[str, Any]]:
        self._cache[glossary_id] = list_terms(self._client, self._domain, glossary_id)
        return self._cache[glossary_id]

    def _listings(self, glossary_id: str) -> Iterator[dict[str, dict[str, Any]]]:
        """The glossary's terms as last listed, then listed again at each call."""
        if glossary_id in self._cache:
            yield self._cache[glossary_id]
        while True:
            yield self._listed(glossary_id)

    def find(self, glossary_id: str, term: str) -> str | None:
        """The id as listed now, without waiting (for terms a previous deployment declared, which
        may be gone since)."""
        terms = self._cache[glossary_id] if glossary_id in self._cache else self._listed(glossary_id)
        found = terms.get(term)
        return None if found is None else str(found["id"])

    def __call__(self, glossary_id: str, term: str) -> str:
        listings = self._listings(glossary_id)

        def poll() -> str | None:
            found = next(listings).get(term)
            return None if found is None else str(found["id"])

        return str(
            wait_for(
                poll,
                self._deadline,
                f"term {term} of glossary {glossary_id} in the search index (the index follows a new term within "
                "minutes; if it never appears, the glossary lacks it: deploy the governance stack first)",
            )
        )


def find_asset(client: Any, domain_id: str, project_id: str, name: str) -> dict[str, Any] | None:
    for item in search(client, domain_id, "ASSET", owningProjectIdentifier=project_id, searchText=name):
        asset = item.get("assetItem")
        if asset and asset["name"] == name:
            return asset
    return None


def await_asset(client: Any, domain_id: str, source: dict[str, Any], name: str, deadline: Deadline) -> dict[str, Any]:
    """The asset of a table, once the search index has it (it lags the run that imported it)."""
    project = source["ProjectId"]
    found: dict[str, Any] = wait_for(
        lambda: find_asset(client, domain_id, project, name),
        deadline,
        f"table {name} in the inventory of project {project} after the run of data source "
        f"{source['DataSourceId']} (the search index follows an import within minutes; if it never appears, check "
        "that the Glue table exists and that the project role can DESCRIBE it)",
    )
    return found


# --- the merge: the declaration into the asset's current metadata ---------------------------------


def _content(form: dict[str, Any] | None) -> dict[str, Any]:
    return json.loads((form or {}).get("content") or "{}")


def merged_form(
    current: dict[str, Any] | None, declared: dict[str, Any], previous: dict[str, Any] | None, terms: TermIds
) -> dict[str, Any] | None:
    """The FormInput of a declared metadata form merged into the asset's current one, or None when
    nothing declared differs (values, or the form's type revision)."""
    content = _content(current)
    fields = declared.get("Fields")
    # Values of fields the declared revision's model no longer has would be refused.
    merged = {k: v for k, v in content.items() if fields is None or k in fields}
    wanted = json.loads(declared["Content"])
    for ref in declared.get("TermFields", []):
        wanted[ref["Field"]] = [terms(ref["GlossaryId"], ref["Term"])]
    for key, value in _previous_values(previous, terms).items():
        if key not in wanted and merged.get(key) == value:
            del merged[key]
    merged.update(wanted)
    revision = declared["TypeRevision"]
    if current is not None and current.get("typeRevision") == revision and merged == content:
        return None
    name = declared["Name"]
    return {"formName": name, "typeIdentifier": name, "typeRevision": revision, "content": json.dumps(merged)}


def _previous_values(previous: dict[str, Any] | None, terms: TermIds) -> dict[str, Any]:
    """The values a form's previous declaration set (term fields as the one-id lists they were)."""
    if previous is None:
        return {}
    values = json.loads(previous.get("Content") or "{}")
    for ref in previous.get("TermFields", []):
        term_id = terms.find(ref["GlossaryId"], ref["Term"])
        if term_id is not None:
            values[ref["Field"]] = [term_id]
    return values


def declared_columns(table: dict[str, Any], terms: TermIds) -> dict[str, dict[str, Any]]:
    """Column -> the keys of its ColumnBusinessMetadataForm entry the declaration sets."""
    out: dict[str, dict[str, Any]] = {}
    for ref in table.get("ColumnTerms", []):
        ids = out.setdefault(ref["Column"], {}).setdefault("glossaryTerms", [])
        ids.append(terms(ref["GlossaryId"], ref["Term"]))
    for ref in table.get("ColumnDescriptions", []):
        out.setdefault(ref["Column"], {})["description"] = ref["Description"]
    return out


def retired_columns(
    previous: dict[str, Any] | None, declared: dict[str, dict[str, Any]], terms: TermIds
) -> dict[str, dict[str, Any]]:
    """Column -> what the previous declaration set on it and this one no longer does."""
    out: dict[str, dict[str, Any]] = {}
    for ref in (previous or {}).get("ColumnTerms", []):
        column = ref["Column"]
        term_id = terms.find(ref["GlossaryId"], ref["Term"])
        if term_id is not None and term_id not in declared.get(column, {}).get("glossaryTerms", []):
            out.setdefault(column, {}).setdefault("glossaryTerms", []).append(term_id)
    for ref in (previous or {}).get("ColumnDescriptions", []):
        if "description" not in declared.get(ref["Column"], {}):
            out.setdefault(ref["Column"], {})["description"] = ref["Description"]
    return out


def merged_column_form(
    current: dict[str, Any] | None, declared: dict[str, dict[str, Any]], retired: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The ColumnBusinessMetadataForm with the declared descriptions and terms merged in and the
    retired ones taken out, every other column and key as it is; None when nothing changes."""
    content = _content(current)
    before = content.get("columnsBusinessMetadata", [])
    entries = [dict(e) for e in before]
    by_column = {e.get("columnIdentifier"): e for e in entries}
    for column, keys in declared.items():
        entry = by_column.get(column)
        if entry is None:
            entry = by_column[column] = {"columnIdentifier": column}
            entries.append(entry)
        if "description" in keys:
            entry["description"] = keys["description"]
        if "glossaryTerms" in keys:
            have = list(entry.get("glossaryTerms", []))
            entry["glossaryTerms"] = have + [t for t in keys["glossaryTerms"] if t not in have]
    for column, keys in retired.items():
        entry = by_column.get(column)
        if entry is None:
            continue
        if "description" in keys and entry.get("description") == keys["description"]:
            del entry["description"]
        if "glossaryTerms" in keys:
            kept = [t for t in entry.get("glossaryTerms", []) if t not in keys["glossaryTerms"]]
            if kept:
                entry["glossaryTerms"] = kept
            else:
                entry.pop("glossaryTerms", None)
    if entries == before:
        return None
    form = {
        "formName": COLUMN_FORM,
        "typeIdentifier": (current or {}).get("typeName", COLUMN_FORM_TYPE),
        "content": json.dumps({**content, "columnsBusinessMetadata": entries}),
    }
    if current is not None and "typeRevision" in current:
        form["typeRevision"] = current["typeRevision"]
    return form


def merged_terms(current: list[str], declared: list[str], retired: set[str]) -> list[str]:
    """The asset's terms: the current ones less the retired, plus the declared, in that order."""
    kept = [t for t in current if t not in retired]
    return kept + [t for t in dict.fromkeys(declared) if t not in kept]


def retired_terms(previous: dict[str, Any] | None, declared: list[str], terms: TermIds) -> set[str]:
    found = (terms.find(t["GlossaryId"], t["Term"]) for t in (previous or {}).get("Terms", []))
    return {t for t in found if t is not None and t not in declared}


def curate(
    client: Any,
    domain_id: str,
    source: dict[str, Any],
    table: dict[str, Any],
    previous: dict[str, Any] | None,
    terms: TermIds,
    deadline: Deadline,
) -> int:
    """Bring one asset to its declared metadata and listing state; 1 when it was (re)published.
    ``previous``: the table's declaration in the previous deployment, if any."""
    name = table["Name"]
    found = await_asset(client, domain_id, source, name, deadline)
    asset = client.get_asset(domainIdentifier=domain_id, identifier=found["identifier"])
    current = {f["formName"]: f for f in asset.get("formsOutput", [])}
    previous_forms = {f["Name"]: f for f in (previous or {}).get("Forms", [])}
    updates: dict[str, dict[str, Any]] = {}
    for form in table.get("Forms", []):
        merged = merged_form(current.get(form["Name"]), form, previous_forms.get(form["Name"]), terms)
        if merged is not None:
            updates[form["Name"]] = merged
    columns = declared_columns(table, terms)
    column_form = merged_column_form(current.get(COLUMN_FORM), columns, retired_columns(previous, columns, terms))
    if column_form is not None:
        updates[COLUMN_FORM] = column_form
    declared_terms = [terms(t["GlossaryId"], t["Term"]) for t in table.get("Terms", [])]
    current_terms = list(asset.get("glossaryTerms", []))
    glossary_terms = merged_terms(current_terms, declared_terms, retired_terms(previous, declared_terms, terms))
    changed = bool(updates) or glossary_terms != current_terms
    revision = asset["revision"]
    if changed:
        if len(glossary_terms) > MAX_ASSET_TERMS:
            raise DataProductError(
                f"asset {name} would carry {len(glossary_terms)} glossary terms, DataZone allows {MAX_ASSET_TERMS}: "
                "remove some from the asset in the SMUS portal or from the table's terms"
            )
        # Every current form again, in its place (declared ones merged), then the new ones.
        forms_input = [updates.pop(n) if n in updates else _resent(f) for n, f in current.items()]
        forms_input += updates.values()
        request: dict[str, Any] = {
            "domainIdentifier": domain_id,
            "identifier": asset["id"],
            "name": asset["name"],
            "formsInput": forms_input,
            **({"description": asset["description"]} if asset.get("description") else {}),
            **({"glossaryTerms": glossary_terms} if glossary_terms else {}),
        }
        token = client_token(asset["id"], revision, json.dumps(request, sort_keys=True))
        new = retrying(lambda: client.create_asset_revision(**request, clientToken=token), deadline, WRITE_RETRYABLE)
        revision = new["revision"]
        LOG.info("asset %s: revision %s with its declared terms and forms", name, revision)
    else:
        LOG.info("asset %s: its declared terms and forms are in place at revision %s", name, revision)
    listing = asset.get("listing") or {}
    listed = listing.get("listingStatus") in LISTED
    publish = str(table.get("Publish", "true")).lower() == "true"
    if publish and (changed or not listed):
        change_listing(client, domain_id, "ASSET", asset["id"], revision, "PUBLISH", deadline)
        return 1
    if not publish and listed:
        change_listing(client, domain_id, "ASSET", asset["id"], revision, "UNPUBLISH", deadline)
    return 0


def _resent(form: dict[str, Any]) -> dict[str, Any]:
    """An existing form as CreateAssetRevision input, at the revision the asset has."""
    out = {"formName": form["formName"], "content": form.get("content", "{}")}
    if "typeName" in form:
        out["typeIdentifier"] = form["typeName"]
    if "typeRevision" in form:
        out["typeRevision"] = form["typeRevision"]
    return out
