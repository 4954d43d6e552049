"""The bundled example with an organization section that owns every audit part (trail, log
archive, account baseline and the opt-in detective services) beside the example's permission sets,
for the audit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.config_edits import EXAMPLE

MANAGEMENT = "100000000000"
LOG_ARCHIVE = "555555555555"
ALL_AUDIT_PARTS = ["trail", "log_archive", "account_baseline", "guardduty", "security_hub", "access_analyzer", "config"]


def organization_yaml(owns: list[str], extra: str = "") -> str:
    return f"""
organization:
  management_account: "{MANAGEMENT}"
  region: eu-west-1
  root_id: r-ab12
  allowed_regions: [eu-west-1]
  log_archive_account: "{LOG_ARCHIVE}"
  owns: [{", ".join(["permission_sets", *owns])}]
{extra}"""


def with_organization(target: Path, owns: list[str] | None = None, extra: str = "", source: Path = EXAMPLE) -> Path:
    """A copy of ``source`` whose organization section (replaced if it has one) owns ``owns``."""
    shutil.copytree(source, target)
    mesh = target / "mesh.yaml"
    text = mesh.read_text(encoding="utf-8")
    if "\norganization:\n" in text:
        # The bundled example's section is the file's last: everything from it on is replaced.
        text = text[: text.index("\norganization:\n") + 1]
    mesh.write_text(text + organization_yaml(ALL_AUDIT_PARTS if owns is None else owns, extra), encoding="utf-8")
    return target
