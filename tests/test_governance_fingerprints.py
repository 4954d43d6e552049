"""Governance declarations reach the products stacks that use them: a changed form or glossary term
changes those stacks' templates (weak references alone would leave them unchanged, and skipped)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from mesh_config import load_mesh
from mesh_config.data_products import asset_name
from mesh_config.fingerprints import (
    GovernanceRefs,
    canonical_json,
    curation_fingerprint,
    data_source_fingerprint,
    fingerprint,
    table_refs,
)
from stacks import MeshStage
from tests.config_edits import PRODUCTS_PART, with_producer_stacks
from tests.synth import ROOT, cdk_json_context, of_type

PRODUCTS = ("finance", "ops", "sales")
# Each producer's tables in a stack of their own, so a test sees which changed.
PART = PRODUCTS_PART
# finance-customer360 produces the customer360 data product's finance tables, in a stack of its own.
UNIT_OF = {part: bu for bu, part in PART.items()} | {"products-8": "finance-customer360"}
# DataQuality is a form of finance and sales tables only; finance/COGS a term of a finance column only.
FORM_FIELD = "      - {name: quality_rules, type: string, description: Where the quality rules are defined"
FORM_FIELD_EDITED = FORM_FIELD.replace("type: string,", "type: string, searchable: true,")
TERM = "        short_description: Cost of goods sold, the direct costs of the products sold in a period"
TERM_EDITED = "        short_description: Cost of goods sold, what the products sold cost to make"


def laid_out(tmp_path: Path, old: str | None = None, new: str = "") -> Path:
    """The example with each producer's tables in a stack of their own, ``old`` replaced by ``new``."""
    return with_producer_stacks(ROOT / "environments", tmp_path / "environments", old, new)


def edited(tmp_path: Path, old: str, new: str) -> Path:
    return laid_out(tmp_path, old, new)


def fingerprints(mesh_dir: Path) -> dict[str, str]:
    config = load_mesh(mesh_dir)
    dev = config.environment("dev")
    return {
        UNIT_OF[part]: curation_fingerprint(config.mesh, products)
        for part, products in config.product_stacks(dev).items()
    }


def test_the_fingerprint_is_the_sha256_of_a_canonical_json():
    assert canonical_json({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"é"]}'
    assert fingerprint({"b": 1, "a": 2}) == fingerprint({"a": 2, "b": 1})
    assert len(fingerprint({})) == 64


def test_a_form_field_changes_the_fingerprint_of_the_stacks_whose_tables_use_the_form(tmp_path):
    before = fingerprints(laid_out(tmp_path / "base"))
    after = fingerprints(edited(tmp_path, FORM_FIELD, FORM_FIELD_EDITED))
    # Only sales types a DataQuality form: the finance ledger's quality is measured (quality rules).
    assert {p for p in before if before[p] != after[p]} == {"sales"}


def test_a_glossary_term_changes_the_fingerprint_of_the_stacks_whose_tables_use_it(tmp_path):
    before, after = fingerprints(laid_out(tmp_path / "base")), fingerprints(edited(tmp_path, TERM, TERM_EDITED))
    assert {p for p in before if before[p] != after[p]} == {"finance"}


def test_a_data_source_form_changes_the_data_source_fingerprint_and_a_table_form_does_not(tmp_path):
    def of(mesh_dir: Path) -> dict[str, str]:
        config = load_mesh(mesh_dir)
        return {c.business_unit: data_source_fingerprint(config.mesh, c) for c in config.mesh.catalogs}

    base = of(ROOT / "environments")
    assert of(edited(tmp_path / "a", FORM_FIELD, FORM_FIELD_EDITED)) == base  # DataQuality: tables only
    refresh = "        description: Schedule of the pipeline that loads the data product"
    changed = of(edited(tmp_path / "b", refresh, "        description: When the pipeline loads the data product"))
    assert all(changed[bu] != base[bu] for bu in PRODUCTS)  # RefreshFrequency: every catalog's data source


def test_a_term_set_in_a_form_field_is_a_use_of_the_term():
    """'business_term: enterprise/Product' (or just 'Product': the field's glossary) counts like an
    asset or column term."""
    config = load_mesh(ROOT / "environments")
    forms = {f.name: f for f in config.mesh.metadata_forms}
    _, table = config.table("sales_product_catalog_table")
    bare = table.model_copy(
        update={"terms": [], "columns": [c.model_copy(update={"term": None}) for c in table.columns]}
    )
    assert table_refs(bare, forms).terms == {("enterprise", "Product")}
    classification = {**table.forms["DataClassification"], "business_term": "Product"}
    unscoped = bare.model_copy(update={"forms": {"DataClassification": classification}})
    assert table_refs(unscoped, forms) == GovernanceRefs(
        frozenset({"DataClassification"}), frozenset({("enterprise", "Product")})
    )


# --- the synthesized templates ------------------------------------------------------------------


def products_templates(mesh_dir: Path, outdir: Path) -> dict[str, dict]:
    """The dev environment's products templates, synthesized as `cdk synth -c direct=true` would."""
    config = load_mesh(mesh_dir)
    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), "mesh_dir": str(mesh_dir)})
    dev = config.environment("dev")
    MeshStage(app, dev.name, config=config, env_config=dev)
    assembly = app.synth()
    return {s.stack_name: s.template for s in assembly.stacks_recursively if "-products-" in s.stack_name}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return products_templates(laid_out(tmp_path_factory.mktemp("laid-out")), tmp_path_factory.mktemp("base"))


def _runs(template: dict) -> dict:
    (runs,) = of_type(template, "Custom::DataZoneDataSourceRuns").values()
    return runs["Properties"]


def _changed(before: dict[str, dict], after: dict[str, dict]) -> set[str]:
    assert before.keys() == after.keys()
    return {UNIT_OF[name.removeprefix("acme-dev-")] for name in before if before[name] != after[name]}


def test_editing_a_form_field_changes_the_products_templates_that_use_the_form_and_no_other(baseline, tmp_path):
    after = products_templates(edited(tmp_path, FORM_FIELD, FORM_FIELD_EDITED), tmp_path / "out")
    # Only sales types a DataQuality form: the finance ledger's quality is measured (quality rules).
    assert _changed(baseline, after) == {"sales"}
    for bu in ("sales",):
        name = f"acme-dev-{PART[bu]}"
        assert _runs(after[name])["Fingerprint"] != _runs(baseline[name])["Fingerprint"]
        # The data sources attach DataProductOwner and RefreshFrequency only: untouched.
        assert of_type(after[name], "AWS::DataZone::DataSource") == of_type(baseline[name], "AWS::DataZone::DataSource")


def test_editing_a_glossary_term_used_by_a_table_changes_that_products_stack(baseline, tmp_path):
    after = products_templates(edited(tmp_path, TERM, TERM_EDITED), tmp_path / "out")
    assert _changed(baseline, after) == {"finance"}
    finance = f"acme-dev-{PART['finance']}"
    assert _runs(after[finance])["Fingerprint"] != _runs(baseline[finance])["Fingerprint"]


def test_the_runs_carry_the_yaml_column_descriptions(baseline):
    config = load_mesh(ROOT / "environments")
    catalog = next(c for c in config.mesh.catalogs if c.business_unit == "finance")
    gl = next(t for t in catalog.tables if t.dataset == "gl_transactions")
    runs = _runs(baseline[f"acme-dev-{PART['finance']}"])
    tables = {t["Name"]: t for s in runs["DataSources"] for t in s["Tables"]}
    described = {d["Column"]: d["Description"] for d in tables[asset_name("finance", gl)]["ColumnDescriptions"]}
    assert described == {c.name: c.description for _, _, c in gl.all_columns() if c.description}
    assert described["posting_date"] == "Posting day"  # partition keys too
