"""cfn-lint (CloudFormation provider schemas) over every synthesized template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Rules ignored in the pipeline template only (stage templates get none), with the reason.
PIPELINE_IGNORED_RULES: dict[str, str] = {
    "W3005": "CDK Pipelines' generated pipeline and auto-approve Lambda DependsOn their roles, which a GetAtt "
    "already implies: redundant, harmless, and not our code (see ../shared/FACTS.md)",
}


def cfn_lint(paths: list[Path], ignored: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "cfn-lint"
    ignore = ["--ignore-checks", *ignored] if ignored else []
    return subprocess.run(
        [str(cli), "--format", "parseable", *ignore, "--", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_template_passes_cfn_lint(example_app):
    templates = example_app.template_files()
    # The pipeline's, the organisation's four stacks (guardrails, identity, trail, log archive), 3
    # environments x 9 stacks (baseline and lineage included), the monitoring stacks of staging and prod
    # and dev's network stack, and each environment's shipment-photos ingestion stack.
    assert len(templates) == 38
    pipeline = [t for t in templates if t.parent == example_app.outdir]
    stages = [t for t in templates if t.parent != example_app.outdir]
    assert len(pipeline) == 1 and len(stages) == 37
    for paths, ignored in ((stages, None), (pipeline, PIPELINE_IGNORED_RULES)):
        result = cfn_lint(paths, ignored)
        assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_catches_a_bad_template(tmp_path):
    """The oracle works: an invalid DataZone property is reported."""
    bad = tmp_path / "bad.template.json"
    bad.write_text(
        '{"Resources": {"P": {"Type": "AWS::DataZone::Project",'
        ' "Properties": {"DomainIdentifier": "dzd_abc123", "Name": "bad/name!"}}}}'
    )
    result = cfn_lint([bad])
    assert result.returncode != 0
    assert "E3031" in result.stdout  # pattern mismatch on Name
