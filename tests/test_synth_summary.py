"""`make synth`'s closing summary, read from real cloud assemblies."""

from __future__ import annotations

import json

from scripts.synth_summary import main, render, summarize


def _by_name(assemblies):
    return {s.name: s for a in assemblies for s in a.stacks}


def test_every_stack_of_the_assembly_is_counted_with_its_environment_and_template(example_app):
    summary = _by_name(summarize(example_app.outdir))

    expected = {
        s.stack_name: (f"aws://{s.environment.account}/{s.environment.region}", s.template_full_path)
        for s in example_app.stacks()
    }
    assert {name: (s.environment, str(s.template)) for name, s in summary.items()} == expected
    for stack in example_app.stacks():
        assert summary[stack.stack_name].resources == len(stack.template["Resources"])


def test_the_stages_are_listed_in_promotion_order_after_the_top_level(example_app):
    assemblies = summarize(example_app.outdir)

    # The organisation's stage (management account) deploys before the environments.
    assert [a.name for a in assemblies] == ["(top level)", "organization", "dev", "staging", "prod"]
    assert [s.name for s in assemblies[0].stacks] == ["acme-mesh-pipeline"]
    assert assemblies[2].directory == example_app.outdir / "assembly-acme-mesh-pipeline-dev"
    assert assemblies[2].environments == ["aws://123456789012/eu-west-1"]


def test_nested_stacks_count_with_their_resources(comprehensive_starter_app):
    outdir = comprehensive_starter_app.outdir
    domain = _by_name(summarize(outdir))["acme-dev-domain"]

    (nested_file,) = outdir.glob("assembly-acme-mesh-pipeline-dev/*.nested.template.json")
    parent = json.loads(domain.template.read_text())["Resources"]
    nested = json.loads(nested_file.read_text())["Resources"]
    assert domain.nested_stacks == 1
    assert domain.resources == len(parent) + len(nested)


def test_the_summary_says_how_many_environments_stacks_and_resources_and_where(comprehensive_starter_app):
    outdir = comprehensive_starter_app.outdir
    stacks = comprehensive_starter_app.stacks()
    text = render(summarize(outdir), outdir)

    head, *rows = text.splitlines()
    resources = sum(s.resources for a in summarize(outdir) for s in a.stacks)
    accounts = {(s.environment.account, s.environment.region) for s in stacks}
    assert head == (
        f"Synthesized {len(stacks)} stacks (2 nested) with {resources} resources for {len(accounts)} AWS "
        f"environments; templates in {outdir}/"
    )
    assert [row.strip().split("  ")[0] for row in rows] == [
        "(top level)",
        "dev",
        "prod",
        "prod-shares",
        "dev-shared-data",
    ]
    assert rows[1].endswith(f"{outdir}/assembly-acme-mesh-pipeline-dev/")
    # 8 stacks, the monitoring stack (the sample names notifications for every environment), the
    # baseline stack (its budget) and the lineage stack (a table with derived_from).
    assert "aws://222222222222/eu-west-1  11 stacks" in rows[2]


def test_without_an_assembly_it_says_to_synthesize_first(tmp_path, capsys):
    assert main(["synth_summary.py", str(tmp_path)]) == 1

    assert f"{tmp_path}/manifest.json not found: run cdk synth first" in capsys.readouterr().err


def test_one_of_each_is_said_in_the_singular(tmp_path):
    (tmp_path / "only.template.json").write_text(json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    stack = {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1"}
    stack["properties"] = {"templateFile": "only.template.json", "stackName": "only"}
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"only": stack}}))

    head, row = render(summarize(tmp_path), tmp_path).splitlines()

    assert head == f"Synthesized 1 stack (0 nested) with 1 resource for 1 AWS environment; templates in {tmp_path}/"
    assert row.split() == [
        "(top",
        "level)",
        "aws://111111111111/eu-west-1",
        "1",
        "stack",
        "1",
        "resource",
        f"{tmp_path}/",
    ]
