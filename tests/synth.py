"""Synthesize the app in-process exactly as `cdk synth` does (same cdk.json context)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk

from app import build_app

ROOT = Path(__file__).resolve().parent.parent


# What the CDK CLI adds to every synth; without path metadata cfn-lint does not recognise
# CDK output and the templates differ from `cdk synth`'s.
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def cdk_json_context() -> dict:
    return {**json.loads((ROOT / "cdk.json").read_text())["context"], **CLI_CONTEXT}


@dataclass
class SynthesizedApp:
    outdir: Path
    assembly: cdk.cx_api.CloudAssembly
    app: cdk.App

    def templates(self) -> dict[str, dict]:
        """Stack name -> template, for every stack: the pipeline's and every stage's."""
        return {stack.stack_name: stack.template for stack in self.stacks()}

    def stacks(self) -> list[cdk.cx_api.CloudFormationStackArtifact]:
        return sorted(self.assembly.stacks_recursively, key=lambda s: s.stack_name)

    def template_files(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json")) + sorted(self.outdir.glob("assembly-*/*.template.json"))

    def validation_report(self) -> dict:
        report = self.outdir / "validation-report.json"
        return json.loads(report.read_text()) if report.exists() else {"pluginReports": []}


def synth_app(mesh_dir: Path, outdir: Path, **extra_context: str) -> SynthesizedApp:
    context = {**cdk_json_context(), "mesh_dir": str(mesh_dir), **extra_context}
    app = cdk.App(outdir=str(outdir), context=context)
    assembly = build_app(app).synth()
    return SynthesizedApp(outdir, assembly, app)


def of_type(template: dict, kind: str) -> dict[str, dict]:
    """The resources of one type in a template, by logical id."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}
