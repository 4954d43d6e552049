"""Glossaries, metadata forms and unit grants in the config layer: the example loads, and one
test per bad input, each a small edit of the example reported with file, path, problem and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mesh_config import load_mesh
from mesh_config.governance import MAX_GLOSSARIES_PER_DOMAIN, MAX_TERMS_PER_DOMAIN
from tests.config_edits import EXAMPLE, assert_issue, edit_text, edit_yaml, load_issues


def _glossary(data: dict, scope: str) -> dict:
    return next(g for g in data["glossaries"] if g["scope"] == scope)


def _term(data: dict, scope: str, name: str) -> dict:
    return next(t for t in _glossary(data, scope)["terms"] if t["name"] == name)


def test_example_glossaries_and_forms() -> None:
    config = load_mesh(EXAMPLE)
    dev = config.naming(config.environment("dev"))
    names = [dev.glossary(g.scope) for g in config.glossaries_in_order()]
    assert names == ["acme-enterprise-glossary", "finance-glossary", "sales-glossary", "ops-glossary"]
    terms = {g.scope: [t.name for t in g.terms] for g in config.mesh.glossaries}
    assert terms == {
        "enterprise": ["Customer", "Product", "Revenue", "Transaction", "Account"],
        "finance": ["EBITDA", "COGS", "ARR", "CAPEX"],
        "sales": ["Lead", "Opportunity", "Pipeline", "Quota"],
        "ops": ["SKU", "Fulfillment", "Warehouse", "Shipment"],
    }
    # Every term carries a real definition.
    assert all(t.short_description and len(t.long_description) > 80 for g in config.mesh.glossaries for t in g.terms)
    assert [f.name for f in config.mesh.metadata_forms] == [
        "DataProductOwner",
        "DataQuality",
        "DataClassification",
        "RefreshFrequency",
    ]


def test_glossaries_deploy_after_the_glossaries_their_terms_point_to(env_dir: Path) -> None:
    def reorder(data: Any) -> None:
        data["glossaries"].reverse()  # ops, sales, finance, enterprise

    edit_yaml(env_dir / "mesh.yaml", reorder)
    order = [g.scope for g in load_mesh(env_dir).glossaries_in_order()]
    assert order.index("enterprise") < order.index("ops")
    assert order.index("enterprise") < order.index("finance")


def test_duplicate_glossary(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - scope: sales\n", "  - scope: finance\n")
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].scope", "duplicate glossary 'finance'")


def test_glossary_scope_must_be_enterprise_or_a_business_unit(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - scope: sales\n", "  - scope: sales-ops\n")
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].scope", "neither 'enterprise' nor")
    assert "finance" in issue.fix


def test_duplicate_term(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "      - name: Quota\n", "      - name: Lead\n")
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].terms[3].name", "duplicate term 'Lead'")


def test_relation_to_an_unknown_term(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "is_a: [enterprise/Revenue]", "is_a: [enterprise/Revenu]")
    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "glossaries[1].terms[2].is_a[0]",
        "glossary 'enterprise' has no term 'Revenu'",
    )
    assert "Revenue" in issue.fix


def test_relation_to_an_unknown_glossary(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "is_a: [enterprise/Revenue]", "is_a: [hr/Revenue]")
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[1].terms[2].is_a[0]", "names glossary 'hr'")


def test_term_relating_to_itself(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "classifies: [Opportunity]", "classifies: [Pipeline]")
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].terms[2].classifies[0]", "relates to itself")


def test_more_than_ten_relations_of_one_kind(env_dir: Path) -> None:
    def many(data: Any) -> None:
        glossary = _glossary(data, "sales")
        for i in range(11):
            glossary["terms"].append({"name": f"Stage {i}", "short_description": "A pipeline stage"})
        _term(data, "sales", "Pipeline")["classifies"] = [f"Stage {i}" for i in range(11)]

    edit_yaml(env_dir / "mesh.yaml", many)
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].terms[2].classifies", "11 'classifies' relations")


def test_term_name_and_description_lengths(env_dir: Path) -> None:
    def long(data: Any) -> None:
        _term(data, "sales", "Lead")["name"] = "L" * 257
        _term(data, "sales", "Quota")["short_description"] = "q" * 1025
        _term(data, "sales", "Pipeline")["long_description"] = "p" * 4097

    edit_yaml(env_dir / "mesh.yaml", long)
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "glossaries[2].terms[0].name", "at most 256 are allowed")
    assert_issue(issues, "mesh.yaml", "glossaries[2].terms[3].short_description", "at most 1,024 are allowed")
    assert_issue(issues, "mesh.yaml", "glossaries[2].terms[2].long_description", "at most 4,096 are allowed")


def test_empty_term_name(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "      - name: Quota\n", '      - name: ""\n')
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].terms[3].name", "the text is empty")


def test_unknown_owning_project(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "owning_project: sales-forecasting", "owning_project: sales-forcasting")
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "glossaries[2].owning_project", "unknown project 'sales-forcasting'"
    )
    assert "sales-forecasting" in issue.fix


def test_owning_project_missing_in_an_environment(env_dir: Path) -> None:
    def dev_only(data: Any) -> None:
        next(p for p in data["projects"] if p["use_case"] == "forecasting")["environments"] = ["dev"]

    edit_yaml(env_dir / "mesh.yaml", dev_only)
    issue = assert_issue(
        load_issues(env_dir), "mesh.yaml", "glossaries[2].owning_project", "does not exist in staging, prod"
    )
    assert "every environment" in issue.fix


def test_owning_project_without_the_create_glossary_grant(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "      create_glossary: [sales-forecasting]\n", "      create_glossary: []\n")
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[2].owning_project", "may not create a glossary")
    assert "grants.create_glossary of domain unit 'sales'" in issue.fix


def test_grant_to_an_unknown_project_or_outside_the_unit(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "      create_glossary: [sales-forecasting]\n",
        "      create_glossary: [sales-forecasting, sales-nope, finance-reporting]\n",
    )
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "domain_units[2].grants.create_glossary[1]", "unknown project 'sales-nope'")
    assert_issue(issues, "mesh.yaml", "domain_units[2].grants.create_glossary[2]", "outside unit 'sales'")


def test_cycle_between_glossaries(env_dir: Path) -> None:
    def back(data: Any) -> None:
        _term(data, "enterprise", "Revenue")["classifies"] = ["finance/ARR"]

    edit_yaml(env_dir / "mesh.yaml", back)
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries[0].terms", "in a cycle: enterprise -> finance")
    assert "one way" in issue.fix


def test_glossary_quota(env_dir: Path) -> None:
    def many(data: Any) -> None:
        data["glossaries"] += [
            {"scope": "ops", "owning_project": "ops-inventory"} for _ in range(MAX_GLOSSARIES_PER_DOMAIN)
        ]

    edit_yaml(env_dir / "mesh.yaml", many)
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries", "a domain holds at most 1,000")


def test_term_quota(env_dir: Path) -> None:
    def many(data: Any) -> None:
        _glossary(data, "ops")["terms"] += [{"name": f"T{i}"} for i in range(MAX_TERMS_PER_DOMAIN)]

    edit_yaml(env_dir / "mesh.yaml", many)
    assert_issue(load_issues(env_dir), "mesh.yaml", "glossaries", "a domain holds at most 10,000")


# --- metadata forms ---------------------------------------------------------------------------


def test_form_name_format_and_length(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - name: DataQuality\n", "  - name: _DataQuality\n")
    edit_text(env_dir / "mesh.yaml", "  - name: RefreshFrequency\n", f"  - name: R{'e' * 128}\n")
    issues = load_issues(env_dir)
    issue = assert_issue(issues, "mesh.yaml", "metadata_forms[1].name", "has the wrong format")
    assert "starting with a letter" in issue.fix
    assert_issue(issues, "mesh.yaml", "metadata_forms[3].name", "at most 128 are allowed")


def test_duplicate_form_and_field(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "  - name: DataQuality\n", "  - name: DataProductOwner\n")
    edit_text(env_dir / "mesh.yaml", "{name: owner_email,", "{name: owner_team,")
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "metadata_forms[1].name", "duplicate metadata form 'DataProductOwner'")
    assert_issue(issues, "mesh.yaml", "metadata_forms[0].fields[1].name", "duplicate field 'owner_team'")


def test_form_owner_without_the_create_form_type_grant(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "      create_form_type: [data-platform-etl]\n", "")
    assert_issue(
        load_issues(env_dir), "mesh.yaml", "metadata_forms[0].owning_project", "may not create a metadata form"
    )


def test_unknown_field_type(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "{name: contains_pii, type: boolean,", "{name: contains_pii, type: bool,")
    issue = assert_issue(load_issues(env_dir), "mesh.yaml", "metadata_forms[2].fields[1].type", "'bool'")
    assert "boolean" in issue.fix


def test_allowed_values_only_on_string_fields(env_dir: Path) -> None:
    edit_text(
        env_dir / "mesh.yaml",
        "{name: contains_pii, type: boolean, required: true,",
        "{name: contains_pii, type: boolean, allowed_values: [yes-pii], required: true,",
    )
    assert_issue(
        load_issues(env_dir), "mesh.yaml", "metadata_forms[2].fields[1].allowed_values", "allowed_values on a boolean"
    )


def test_allowed_values_of_numbers_on_an_integer_field_say_string_fields_only(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "{name: quality_score, type: integer, required: true,",
              "{name: quality_score, type: integer, allowed_values: [0, 50, 100], required: true,")  # fmt: skip
    issues = load_issues(env_dir)
    issue = assert_issue(
        issues,
        "mesh.yaml",
        "metadata_forms[1].fields[0].allowed_values",
        "allowed_values on an integer field: allowed_values applies to string fields only",
    )
    assert "remove allowed_values" in issue.fix and "quote" not in issue.fix
    # Not also one "expected text, quote it" per value, which would lead to a second error.
    assert [i.path for i in issues] == ["metadata_forms[1].fields[0].allowed_values"]


def test_searchable_only_on_text_fields(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "{name: quality_score, type: integer, required: true,",
              "{name: quality_score, type: integer, required: true, searchable: true,")  # fmt: skip
    assert_issue(load_issues(env_dir), "mesh.yaml", "metadata_forms[1].fields[0].searchable", "indexes text fields")


def test_glossary_term_field_needs_a_declared_glossary(env_dir: Path) -> None:
    edit_text(env_dir / "mesh.yaml", "glossary: enterprise,", "glossary: hr,")
    edit_text(env_dir / "mesh.yaml", "{name: owner_email, type: string,", "{name: owner_email, type: glossary_term,")
    issues = load_issues(env_dir)
    assert_issue(issues, "mesh.yaml", "metadata_forms[2].fields[2].glossary", "unknown glossary 'hr'")
    assert_issue(issues, "mesh.yaml", "metadata_forms[0].fields[1]", "names no glossary")


def test_a_business_unit_glossary_named_like_the_enterprise_glossary(env_dir: Path) -> None:
    def edit(m: dict) -> None:
        m["domain_units"].append(
            {"id": "acme-enterprise", "description": "Group functions", "owners": ["data-engineers"]}
        )
        m["glossaries"].append({"scope": "acme-enterprise", "owning_project": "data-platform-etl"})

    edit_yaml(env_dir / "mesh.yaml", edit)
    issue = assert_issue(
        load_issues(env_dir),
        "mesh.yaml",
        "glossaries[4].scope",
        "glossary 'acme-enterprise' is named acme-enterprise-glossary, the name of glossary 'enterprise'",
    )
    assert "rename business unit 'acme-enterprise'" in issue.fix
