"""Synthesize the app in-process exactly as `cdk synth` does (same cdk.json context)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk

from app import build_app

ROOT = Path(__file__).resolve().parent.parent


def cdk_json_context() -> dict:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


@dataclass
class SynthesizedApp:
    outdir: Path
    assembly: cdk.cx_api.CloudAssembly
    app: cdk.App

    def templates(self) -> dict[str, dict]:
        """'<stage>/<stack artifact id>' -> template, for every stack of every stage."""
        out: dict[str, dict] = {}
        for path in sorted(self.outdir.glob("assembly-*/*.template.json")):
            stage = path.parent.name.removeprefix("assembly-")
            out[f"{stage}/{path.name.removesuffix('.template.json')}"] = json.loads(path.read_text())
        return out

    def validation_report(self) -> dict:
        report = self.outdir / "validation-report.json"
        return json.loads(report.read_text()) if report.exists() else {"pluginReports": []}


def synth_app(mesh_dir: Path, outdir: Path) -> SynthesizedApp:
    context = {**cdk_json_context(), "mesh_dir": str(mesh_dir)}
    app = cdk.App(outdir=str(outdir), context=context)
    assembly = build_app(app).synth()
    return SynthesizedApp(outdir, assembly, app)
