"""cfn-lint (CloudFormation provider schemas) over every synthesized template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Rules ignored for every template, with the reason. Keep this list short and justified.
IGNORED_RULES: dict[str, str] = {}


def cfn_lint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "cfn-lint"
    ignore = ["--ignore-checks", *IGNORED_RULES] if IGNORED_RULES else []
    return subprocess.run(
        [str(cli), "--format", "parseable", *ignore, "--", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_template_passes_cfn_lint(example_app):
    templates = sorted(example_app.outdir.glob("assembly-*/*.template.json"))
    assert templates, "no templates were synthesized"
    result = cfn_lint(templates)
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
