"""The three-PROD-accounts variant is selected by configuration alone and is as clean."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.synth import ROOT, SynthesizedApp, synth_app
from tests.test_cfn_lint import PIPELINE_IGNORED_RULES, cfn_lint
from tests.test_nag import violations
from tests.test_snapshots import scrub


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synth_app(ROOT / "examples" / "three-prod-accounts", tmp_path_factory.mktemp("three-prod"))


def test_each_prod_account_gets_its_own_domain_and_projects(variant):
    stacks = {s.stack_name: s for s in variant.stacks()}
    for env, account in (("prod-dev", "111111111111"), ("prod-staging", "222222222222"), ("prod", "333333333333")):
        assert stacks[f"acme-{env}-domain"].environment.account == account
    assert '"acme-prod-dev-unified-domain"' in str(stacks["acme-prod-dev-domain"].template).replace("'", '"')
    projects = str(stacks["acme-prod-staging-projects-1"].template)
    assert "finance-customer360-prod-stg-project" in projects


def test_pipeline_promotes_prod_dev_then_prod_staging_then_prod(variant):
    pipeline = variant.templates()["acme-mesh-pipeline"]
    (resource,) = [r for r in pipeline["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    names = [s["Name"] for s in resource["Properties"]["Stages"]]
    # Sharing comes after the promotion chain: prod's grants to the two accounts, then both
    # consumers' links and grants in one wave.
    assert [n for n in names if n.startswith("prod") or n == "shared-data"] == [
        "prod-dev",
        "prod-staging",
        "prod",
        "prod-shares",
        "shared-data",
    ]


def test_variant_passes_cfn_lint_and_cdk_nag(variant):
    templates = variant.template_files()
    stages = [t for t in templates if t.parent != variant.outdir]
    pipeline = [t for t in templates if t.parent == variant.outdir]
    for paths, ignored in ((stages, None), (pipeline, PIPELINE_IGNORED_RULES)):
        result = cfn_lint(paths, ignored)
        assert result.returncode == 0, result.stdout
    assert violations(variant.validation_report()) == []


def test_variant_templates_match_their_snapshots(variant, snapshot):
    snapshot_json = snapshot.use_extension(JSONSnapshotExtension)
    for name, template in variant.templates().items():
        assert scrub(template) == snapshot_json(name=name)
