"""What `make synth` produced: the stages, their AWS environments, stacks and resources, and where
the templates are. Reads the cloud assembly only (manifest.json and the templates), so it runs after
`cdk synth --quiet` without importing the app.

    python scripts/synth_summary.py [cdk.out]

A stage's stacks sit in a nested assembly (cdk.out/assembly-<pipeline>-<stage>/, its own
manifest.json); a nested stack's template is an asset of its parent, beside it
(<id>.nested.template.json), referenced by the aws:asset:path metadata of the
AWS::CloudFormation::Stack resource.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
NESTED_STACK = "AWS::CloudFormation::Stack"
ASSET_PATH = "aws:asset:path"


@dataclass(frozen=True)
class StackSummary:
    name: str
    environment: str  # aws://<account>/<region>
    template: Path
    resources: int  # its own and those of its nested stacks
    nested_stacks: int


@dataclass(frozen=True)
class AssemblySummary:
    """The stacks of one assembly: the app's top level, or one stage."""

    name: str
    directory: Path
    stacks: tuple[StackSummary, ...]

    @property
    def resources(self) -> int:
        return sum(s.resources for s in self.stacks)

    @property
    def environments(self) -> list[str]:
        return sorted({s.environment for s in self.stacks})


def summarize(outdir: Path) -> list[AssemblySummary]:
    """Every assembly with stacks, the top level first, then the stages in manifest order."""
    return [a for a in _assemblies(outdir, "(top level)") if a.stacks]


def _assemblies(directory: Path, name: str) -> list[AssemblySummary]:
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    stacks: list[StackSummary] = []
    nested: list[AssemblySummary] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == STACK:
            template = directory / properties["templateFile"]
            resources, nested_stacks = _count(template)
            stack_name = properties.get("stackName", artifact_id)
            stacks.append(StackSummary(stack_name, artifact.get("environment", ""), template, resources, nested_stacks))
        elif artifact["type"] == NESTED_ASSEMBLY:
            stage = properties.get("displayName", artifact_id).rpartition("/")[2]
            nested += _assemblies(directory / properties["directoryName"], stage)
    return [AssemblySummary(name, directory, tuple(stacks)), *nested]


def _count(template: Path) -> tuple[int, int]:
    """(resources, nested stacks) of a template, its nested stacks' included."""
    resources = json.loads(template.read_text(encoding="utf-8")).get("Resources", {})
    total, nested = len(resources), 0
    for resource in resources.values():
        path = resource.get("Metadata", {}).get(ASSET_PATH, "")
        if resource.get("Type") == NESTED_STACK and path.endswith(".template.json"):
            inner_resources, inner_nested = _count(template.parent / path)
            total += inner_resources
            nested += 1 + inner_nested
    return total, nested


def render(assemblies: list[AssemblySummary], outdir: Path) -> str:
    stacks = [s for a in assemblies for s in a.stacks]
    environments = {s.environment for s in stacks}
    nested = sum(s.nested_stacks for s in stacks)
    head = (
        f"Synthesized {_counted(len(stacks), 'stack')} ({nested} nested) with "
        f"{_counted(sum(s.resources for s in stacks), 'resource')} for "
        f"{_counted(len(environments), 'AWS environment')}; templates in {outdir}/"
    )
    rows = [
        (
            a.name,
            ", ".join(a.environments),
            _counted(len(a.stacks), "stack"),
            _counted(a.resources, "resource"),
            f"{_shown(a.directory, outdir)}/",
        )
        for a in assemblies
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [head]
    for row in rows:
        cells = [row[i].ljust(widths[i]) if i in (0, 1) else row[i].rjust(widths[i]) for i in range(4)]
        lines.append("  " + "  ".join(cells) + "  " + row[4])
    return "\n".join(lines)


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _shown(directory: Path, outdir: Path) -> str:
    """The directory as the user named cdk.out: outdir itself, or outdir/assembly-..."""
    try:
        return str(outdir / directory.relative_to(outdir)) if directory != outdir else str(outdir)
    except ValueError:
        return str(directory)


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    if not (outdir / MANIFEST).is_file():
        print(f"error: {outdir}/{MANIFEST} not found: run cdk synth first", file=sys.stderr)
        return 1
    print(render(summarize(outdir), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
