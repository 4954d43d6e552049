#!/usr/bin/env python3
"""Benchmark `cdk synth` on this machine: an empty app, the bundled example and generated meshes.

Run:  .venv/bin/python benchmark/synth_benchmark.py [--sizes 100 1000] [--repeat 3]   (or `make bench`)

Cases
  empty      an app with one empty Stack (temp dir, same cdk.json context): the fixed cost of
             the CDK CLI + Python + jsii/Node start-up that every synth pays
  example    the bundled mesh (environments/)
  N          a generated mesh: the example plus N projects PER ENVIRONMENT spread evenly over
             10 generated business units bu01..bu10 (`-c mesh_dir=<generated dir>`)

Every case runs the real CLI: node_modules/.bin/cdk synth --quiet -o <tmp>/cdk.out.

Memory
  tree   peak of the SUM of the RSS of every process in the synth's process tree (cdk CLI
         (node) -> python app.py -> jsii runtime (node)), sampled from /proc every 100 ms. Shared
         pages are counted once per process, so this slightly over-states physical memory.
  proc   peak RSS of the LARGEST SINGLE process of the tree, from GNU `/usr/bin/time -v` (Linux
         wait4 rusage keeps the max over the descendants, it does not add them up). Without GNU
         time: resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, also a single-process max (and
         cumulative over every run of this script).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"  # not resolved: the symlink is what selects the venv
NODE_BIN = ROOT / "node_modules" / ".bin"
CDK = NODE_BIN / "cdk"
# The app under test: the working tree, or a `git archive` snapshot of --ref (see use_source).
APP_ROOT = ROOT
EXAMPLE_DIR = APP_ROOT / "environments"


BUSINESS_UNITS = [f"bu{i:02d}" for i in range(1, 11)]
UNIT_GROUPS = ["data-engineers"]
PROJECT_PROFILE = "sql-analytics"
PROJECT_MEMBERS = {"owners": ["data-engineers"], "contributors": ["finance-analysts", "executives"]}
# Shards start at the fewest that could hold the load; validation then says which unit needs
# more (a hash placement is uneven) and the generator retries with one more everywhere.
TARGET_LOAD = 1.0
# Every generated project produces this many tables in its business unit's domain catalog.
TABLES_PER_PROJECT = 5
TABLE_COLUMNS = [
    {"name": "id", "type": "string", "description": "Row id"},
    {"name": "customer_email", "type": "string", "description": "Contact", "pii": True},
    {"name": "amount", "type": "decimal(18,2)", "description": "Amount"},
    {"name": "tags", "type": "array<string>", "description": "Labels"},
]
MAX_SHARDS = 32  # DomainUnit.project_stack_shards le=32
MAX_SHARD_ATTEMPTS = 8

CFN_MAX_RESOURCES = 500
CFN_MAX_OUTPUTS = 200
CFN_MAX_TEMPLATE_BYTES = 1_000_000  # template uploaded to S3 (CDK does this for templates > 51,200 bytes)

SAMPLE_INTERVAL = 0.1
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
EMPTY_APP = """\
import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


# --------------------------------------------------------------------------- the app under test


def use_source(ref: str | None, work: Path) -> str:
    """Point APP_ROOT at the working tree (ref None) or at a snapshot of a git ref; describe it."""
    global APP_ROOT, EXAMPLE_DIR
    if ref is None:
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True)
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        state = "with uncommitted changes" if dirty.stdout.strip() else "clean"
        description = f"working tree {ROOT} (HEAD {head.stdout.strip() or '?'}, {state})"
    else:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", f"{ref}^{{commit}}"], capture_output=True, text=True
        )
        if commit.returncode != 0:
            raise SystemExit(f"unknown git ref {ref!r}: {commit.stderr.strip()}")
        snapshot = work / "snapshot"
        snapshot.mkdir(parents=True)
        archive = work / "snapshot.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref], check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(snapshot, filter="data")
        archive.unlink()
        # Same interpreter and CLI: only the app's own files come from the ref.
        for shared in (".venv", "node_modules"):
            (snapshot / shared).symlink_to(ROOT / shared, target_is_directory=True)
        APP_ROOT = snapshot
        description = f"git snapshot of {ref} ({commit.stdout.strip()}) in a temp dir"
    EXAMPLE_DIR = APP_ROOT / "environments"
    # The mesh_config package (validation, placement limits) is imported from the app under test.
    sys.path.insert(0, str(APP_ROOT))
    return description


# --------------------------------------------------------------------------- process tree memory


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until stopped."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peak_bytes = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            children = _children_by_parent()
            tree, todo = [], [self.root_pid]
            while todo:
                pid = todo.pop()
                tree.append(pid)
                todo.extend(children.get(pid, ()))
            total = sum(_rss_bytes(pid) for pid in tree)
            self.peak_bytes = max(self.peak_bytes, total)
            self.peak_processes = max(self.peak_processes, len(tree))
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def gnu_time() -> str | None:
    """Path of GNU time (it supports -v and -o), or None."""
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    try:
        probe = subprocess.run([path, "-v", "true"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "Maximum resident set size" in probe.stderr else None


# --------------------------------------------------------------------------- one synth run


@dataclass
class Run:
    seconds: float
    returncode: int
    tree_peak_mb: float
    tree_processes: int
    process_peak_mb: float | None
    cpu_seconds: float | None
    log: Path
    outdir: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


def _parse_gnu_time(path: Path) -> tuple[float | None, float | None]:
    """(max RSS MB, user+sys CPU seconds) from a `time -v -o` report."""
    if not path.exists():
        return None, None
    values: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        key, sep, value = line.strip().rpartition(": ")
        if sep:
            values[key] = value
    rss = values.get("Maximum resident set size (kbytes)")
    user, system = values.get("User time (seconds)"), values.get("System time (seconds)")
    cpu = float(user) + float(system) if user and system else None
    return (int(rss) / 1024 if rss else None), cpu


def synth_env() -> dict[str, str]:
    env = dict(os.environ)
    # Pinned Node 22 first (the jsii runtime warns on older Node), then the venv.
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(VENV_PYTHON.parent), env.get("PATH", "")])
    return env


def run_synth(args: list[str], cwd: Path, work: Path, label: str, timeout: float, time_bin: str | None) -> Run:
    """`cdk synth --quiet -o <work>/cdk.out <args>` in cwd, timed and memory-sampled."""
    work.mkdir(parents=True, exist_ok=True)
    outdir, log, time_report = work / "cdk.out", work / "synth.log", work / "time.txt"
    command = [str(CDK), "synth", "--quiet", "-o", str(outdir), *args]
    if time_bin:
        command = [time_bin, "-v", "-o", str(time_report), *command]
    print(f"  [{label}] {' '.join(command[4:] if time_bin else command)}", flush=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=synth_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the session started above: only this synth's processes
            returncode = proc.wait()
            out.write(f"\n[benchmark] killed after the {timeout:.0f} s timeout\n")
        finally:
            sampler.stop()
    seconds = time.perf_counter() - start
    if time_bin:
        process_peak, cpu = _parse_gnu_time(time_report)
    else:
        process_peak, cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, None
    run = Run(
        seconds=seconds,
        returncode=returncode,
        tree_peak_mb=sampler.peak_bytes / 2**20,
        tree_processes=sampler.peak_processes,
        process_peak_mb=process_peak,
        cpu_seconds=cpu,
        log=log,
        outdir=outdir,
    )
    status = "ok" if run.ok else f"FAILED rc={returncode}"
    single = f"{process_peak:.0f}" if process_peak is not None else "?"
    print(f"  [{label}] {status}: {seconds:.2f} s, tree peak {run.tree_peak_mb:.0f} MB, largest process {single} MB")
    return run


# --------------------------------------------------------------------------- cloud assembly stats


@dataclass
class AssemblyStats:
    stacks: int = 0
    resources: int = 0
    largest: tuple[str, int] = ("-", 0)
    most_outputs: tuple[str, int] = ("-", 0)
    biggest_template: tuple[str, int] = ("-", 0)
    over_limits: list[str] = field(default_factory=list)


def assembly_stats(outdir: Path) -> AssemblyStats:
    stats = AssemblyStats()
    # Top-level templates (the empty app, a pipeline stack) and the stage assemblies (one per environment).
    for path in sorted(outdir.rglob("*.template.json")):
        name = path.relative_to(outdir).as_posix().removesuffix(".template.json").removeprefix("assembly-")
        size = path.stat().st_size
        template = json.loads(path.read_text())
        resources, outputs = len(template.get("Resources", {})), len(template.get("Outputs", {}))
        stats.stacks += 1
        stats.resources += resources
        if resources > stats.largest[1]:
            stats.largest = (name, resources)
        if outputs > stats.most_outputs[1]:
            stats.most_outputs = (name, outputs)
        if size > stats.biggest_template[1]:
            stats.biggest_template = (name, size)
        if resources > CFN_MAX_RESOURCES:
            stats.over_limits.append(f"{name}: {resources} resources (CloudFormation limit {CFN_MAX_RESOURCES})")
        if outputs > CFN_MAX_OUTPUTS:
            stats.over_limits.append(f"{name}: {outputs} outputs (CloudFormation limit {CFN_MAX_OUTPUTS})")
        if size > CFN_MAX_TEMPLATE_BYTES:
            stats.over_limits.append(f"{name}: template is {size:,} bytes (CloudFormation limit 1 MB)")
    return stats


# --------------------------------------------------------------------------- mesh generation


def _balanced(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def write_generated_mesh(directory: Path, projects: int, extra_shards: int = 0) -> dict[str, int]:
    """The example mesh plus `projects` generated projects; returns the shard count per generated unit."""
    from mesh_config.placement import MAX_RESOURCES_PER_STACK

    mesh = yaml.safe_load((EXAMPLE_DIR / "mesh.yaml").read_text())
    from mesh_config.placement import PRODUCER_FIXED_RESOURCES

    cost = 1 + sum(len(groups) for groups in PROJECT_MEMBERS.values())  # placement.project_resource_count
    product_cost = PRODUCER_FIXED_RESOURCES + TABLES_PER_PROJECT
    width = max(4, len(str(projects)))
    shards: dict[str, int] = {}
    number = 0
    for unit, count in zip(BUSINESS_UNITS, _balanced(projects, len(BUSINESS_UNITS)), strict=True):
        needed = max(1, math.ceil(count * cost / (MAX_RESOURCES_PER_STACK * TARGET_LOAD)))
        needed_products = max(1, math.ceil(count * product_cost / (MAX_RESOURCES_PER_STACK * TARGET_LOAD)))
        shards[unit] = min(MAX_SHARDS, needed + extra_shards)
        mesh["domain_units"].append(
            {
                "id": unit,
                "description": f"Generated business unit {unit}",
                "owners": list(UNIT_GROUPS),
                "project_creators": list(UNIT_GROUPS),
                "project_stack_shards": shards[unit],
                "product_stack_shards": min(MAX_SHARDS, needed_products + extra_shards),
            }
        )
        tables = []
        for _ in range(count):
            number += 1
            use_case = f"uc{number:0{width}d}"
            mesh["projects"].append(
                {
                    "domain_unit": unit,
                    "use_case": use_case,
                    "profile": PROJECT_PROFILE,
                    **{role: list(groups) for role, groups in PROJECT_MEMBERS.items()},
                }
            )
            tables += [
                {
                    "dataset": f"{use_case}_t{t}",
                    "producer": f"{unit}-{use_case}",
                    "storage": {"prefix": f"{unit}/{use_case}/t{t}/"},
                    "columns": TABLE_COLUMNS,
                    "partition_keys": [{"name": "day", "type": "date"}],
                }
                for t in range(1, TABLES_PER_PROJECT + 1)
            ]
        if tables:
            mesh["catalogs"].append(
                {
                    "business_unit": unit,
                    "owner": tables[0]["producer"],
                    "description": f"{unit} tables",
                    "tables": tables,
                }
            )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "mesh.yaml").write_text(yaml.safe_dump(mesh, sort_keys=False))
    for env in mesh["environments"]:
        shutil.copy(EXAMPLE_DIR / f"{env}.yaml", directory / f"{env}.yaml")
    return shards


def projects_per_environment(mesh_dir: Path) -> str:
    """Projects in each environment after validation ('106', or 'dev 106 / prod 100' when they differ)."""
    from mesh_config import load_mesh

    config = load_mesh(mesh_dir)
    counts = {env.name: len(config.projects_in(env)) for env in config.environments}
    if len(set(counts.values())) == 1:
        return str(next(iter(counts.values())))
    return " / ".join(f"{name} {count}" for name, count in counts.items())


def generate_valid_mesh(directory: Path, projects: int, notes: list[str]) -> str | None:
    """Write a mesh that passes validation, raising shards if needed; None if it never does."""
    from mesh_config import ConfigError

    for extra in range(MAX_SHARD_ATTEMPTS):
        shards = write_generated_mesh(directory, projects, extra)
        try:
            count = projects_per_environment(directory)
        except ConfigError as error:
            print(f"  validation failed with shards {shards}:\n{error}", flush=True)
            notes.append(f"validation failed with project_stack_shards {shards}:\n\n```\n{error}\n```")
            if "_stack_shards" not in str(error) or max(shards.values()) >= MAX_SHARDS:
                return None
            continue
        print(f"  generated {directory} (shards per generated unit: {sorted(set(shards.values()))})", flush=True)
        notes.append(
            f"project_stack_shards per generated unit: {', '.join(map(str, sorted(set(shards.values()))))}"
            + (f" (raised by {extra} after validation errors)" if extra else "")
        )
        return count
    return None


# --------------------------------------------------------------------------- cases and report


@dataclass
class Case:
    name: str
    projects: str
    runs: list[Run] = field(default_factory=list)
    stats: AssemblyStats | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs) and all(run.ok for run in self.runs)

    @property
    def median_seconds(self) -> float | None:
        ok_runs = [run.seconds for run in self.runs if run.ok]
        return statistics.median(ok_runs) if ok_runs and self.ok else None

    def row(self, baseline: float | None = None) -> list[str]:
        ok_runs = [run for run in self.runs if run.ok]
        label = f"{self.name} ({_runs_label(len(self.runs))})" if self.runs else self.name
        if not self.ok or self.stats is None:
            failed = next((run for run in self.runs if not run.ok), None)
            why = f"FAILED rc={failed.returncode}" if failed else "FAILED (not synthesized)"
            return [label, self.projects, why, *["-"] * 6]
        singles = [run.process_peak_mb for run in ok_runs if run.process_peak_mb is not None]
        rss = f"{max(run.tree_peak_mb for run in ok_runs):.0f}"
        if singles:
            rss += f" ({max(singles):.0f})"
        return [
            label,
            self.projects,
            f"{statistics.median(run.seconds for run in ok_runs):.2f}",
            # The machine is noisy: the ratio to the empty app of the same run is the comparable figure.
            f"{statistics.median(run.seconds for run in ok_runs) / baseline:.2f}" if baseline else "-",
            rss,
            str(self.stats.stacks),
            f"{self.stats.resources:,}",
            f"{self.stats.largest[1]} ({self.stats.largest[0]})",
            f"{self.stats.most_outputs[1]} ({self.stats.most_outputs[0]})",
        ]


def _runs_label(count: int) -> str:
    return "1 run" if count == 1 else f"median of {count}"


HEADER = [
    "case",
    "projects/env",
    "synth s",
    "x empty app",
    "peak RSS MB",
    "stacks",
    "total resources",
    "largest stack (resources)",
    "max outputs in a stack",
]


def markdown_table(cases: list[Case]) -> str:
    # The first case is the empty CDK app, measured in the same run.
    baseline = cases[0].median_seconds if cases else None
    rows = [HEADER, ["---"] * len(HEADER), *(case.row(baseline) for case in cases)]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows)


def run_case(case: Case, args: list[str], cwd: Path, work: Path, repeat: int, opts: argparse.Namespace) -> None:
    for i in range(repeat):
        run = run_synth(args, cwd, work / f"run{i + 1}", f"{case.name} {i + 1}/{repeat}", opts.timeout, opts.time_bin)
        case.runs.append(run)
        if not run.ok:
            tail = run.log_tail()
            case.error = f"`cdk synth` exited with {run.returncode}; last lines of its output:\n\n```\n{tail}\n```"
            print(f"  last lines of {run.log}:\n{run.log_tail()}", flush=True)
            return
        if i < repeat - 1:
            shutil.rmtree(run.outdir)  # keep only the last assembly (a 1000-project one is large)
    case.stats = assembly_stats(case.runs[-1].outdir)
    largest = case.stats.biggest_template
    case.notes.append(f"largest template: {largest[0]}, {largest[1]:,} bytes")
    case.notes.extend(f"OVER A CLOUDFORMATION LIMIT: {problem}" for problem in case.stats.over_limits)
    seconds = ", ".join(f"{run.seconds:.2f}" for run in case.runs)
    cpu = [run.cpu_seconds for run in case.runs if run.cpu_seconds is not None]
    case.notes.append(
        f"runs (s): {seconds}"
        + (f"; CPU user+sys (s): {', '.join(f'{c:.1f}' for c in cpu)}" if cpu else "")
        + f"; up to {max(run.tree_processes for run in case.runs)} processes in the tree"
    )


def tool_versions() -> dict[str, str]:
    def output(command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=synth_env(), timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"unknown ({error})"
        return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"

    def package(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return {
        "nproc": output(["nproc"]),
        "Python": output([str(VENV_PYTHON), "--version"]).removeprefix("Python "),
        "Node": output([str(NODE_BIN / "node"), "--version"]),
        "CDK CLI": output([str(CDK), "--version"]),
        "aws-cdk-lib": package("aws-cdk-lib"),
        "cdk-nag": package("cdk-nag"),
    }


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(f"{load:.2f}" for load in loads)


def render_results(
    cases: list[Case],
    versions: dict[str, str],
    started: datetime.datetime,
    total: float,
    time_bin: str | None,
    source: str,
    load_start: tuple[float, float, float],
) -> str:
    time_bin_note = (
        "in parentheses: the largest single process (GNU `time -v` maximum resident set size)"
        if time_bin
        else "in parentheses: the largest single process from `getrusage(RUSAGE_CHILDREN).ru_maxrss` "
        "(GNU time not found; a max over every child so far, not a per-run value)"
    )
    lines = [
        "# `cdk synth` benchmark",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- app under test: {source}",
        *(f"- {name}: {value}" for name, value in versions.items()),
        f"- total benchmark runtime: {total:.0f} s",
        f"- load average (1/5/15 min) at the start: {_loads(load_start)}, at the end: {_loads(os.getloadavg())} "
        "(the benchmark itself adds about 1-2; more means other work on the machine inflated the timings)",
        "",
        markdown_table(cases),
        "",
        "- synth s: wall clock of `node_modules/.bin/cdk synth --quiet -o <tmp>/cdk.out` (CLI start-up, "
        "the Python app, cdk-nag validation and writing the assembly); median of the successful runs.",
        "- peak RSS MB: the peak of the summed RSS of the whole process tree (cdk CLI node + python + jsii "
        f"node), sampled every {SAMPLE_INTERVAL * 1000:.0f} ms (max over runs; shared pages counted per process); "
        f"{time_bin_note}.",
        "- projects/env: projects in each environment (generated ones + the example's 6).",
        "- stacks / resources / outputs: parsed from every `*.template.json` under cdk.out (`assembly-*/` "
        "holds the environments) of the last run; the name is `<assembly>/<stack artifact id>`. "
        "CloudFormation limits: "
        f"{CFN_MAX_RESOURCES} resources, {CFN_MAX_OUTPUTS} outputs per stack.",
        "- generated meshes: environments/mesh.yaml plus 10 business units bu01..bu10 (owners and project "
        f"creators {UNIT_GROUPS}), projects spread evenly over them, profile {PROJECT_PROFILE}, members "
        f"{PROJECT_MEMBERS}, each producing {TABLES_PER_PROJECT} tables ({len(TABLE_COLUMNS)} columns and a "
        "partition key) in its unit's domain catalog; synthesized with `-c mesh_dir=<generated dir>`.",
        "",
        "## Notes per case",
        "",
    ]
    for case in cases:
        lines.append(f"### {case.name}")
        lines.append("")
        lines.extend(f"- {note}" if "\n" not in note else f"- {note}\n" for note in case.notes)
        if case.error:
            lines.append(f"- **FAILED**: {case.error}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000], help="generated projects per environment")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the empty app and the example (median)")
    parser.add_argument("--repeat-generated", type=int, default=1, help="runs of each generated mesh (median)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one synth is killed")
    parser.add_argument(
        "--ref", help="benchmark a `git archive` snapshot of this ref (e.g. HEAD) instead of the working tree"
    )
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra `cdk synth -c` context for the mesh app (repeatable), e.g. direct=true",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work files in benchmark/out/ (git-ignored)")
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="markdown report to write")
    opts = parser.parse_args(argv)
    if opts.repeat < 1 or opts.repeat_generated < 1 or any(size < 1 for size in opts.sizes):
        parser.error("--repeat, --repeat-generated and --sizes must be positive")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    started_at = datetime.datetime.now().astimezone()
    started = time.perf_counter()
    load_start = os.getloadavg()
    opts.time_bin = gnu_time()
    print(
        f"memory: GNU time at {opts.time_bin}"
        if opts.time_bin
        else "memory: GNU time not found; per-process peak from getrusage(RUSAGE_CHILDREN) (max of any single child)"
    )
    if opts.keep:
        base = BENCH_DIR / "out"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="synth-bench-")
        base = Path(cleanup.name)

    cases: list[Case] = []
    extra_context = [arg for item in opts.context for arg in ("-c", item)]
    opts.source = use_source(opts.ref, base)
    print(f"app under test: {opts.source}" + (f"; extra context: {' '.join(opts.context)}" if opts.context else ""))
    try:
        # 1. Baseline: one empty Stack, same feature flags.
        print(f"\n== empty app ({_runs_label(opts.repeat)})", flush=True)
        empty_dir = base / "empty-app"
        empty_dir.mkdir()
        (empty_dir / "app.py").write_text(EMPTY_APP)
        app_command = f"{VENV_PYTHON} app.py"
        context = json.loads((APP_ROOT / "cdk.json").read_text())["context"]
        (empty_dir / "cdk.json").write_text(json.dumps({"app": app_command, "context": context}, indent=2))
        case = Case("empty app", "0")
        run_case(case, ["--app", app_command], empty_dir, base / "empty", opts.repeat, opts)
        cases.append(case)

        # 2. The bundled example.
        print(f"\n== example ({_runs_label(opts.repeat)})", flush=True)
        case = Case("example (environments/)", projects_per_environment(EXAMPLE_DIR))
        example_args = ["-c", f"mesh_dir={EXAMPLE_DIR.relative_to(APP_ROOT)}", *extra_context]
        run_case(case, example_args, APP_ROOT, base / "example", opts.repeat, opts)
        cases.append(case)

        # 3. Generated meshes.
        for size in opts.sizes:
            print(f"\n== generated: {size} projects per environment ({_runs_label(opts.repeat_generated)})", flush=True)
            case = Case(f"generated {size}", f"{size} + 6")
            mesh_dir = base / f"mesh-{size}"
            count = generate_valid_mesh(mesh_dir, size, case.notes)
            if count is None:
                case.error = "the generated configuration never passed validation (see the notes above)"
            else:
                case.projects = count
                mesh_args = ["-c", f"mesh_dir={mesh_dir}", *extra_context]
                run_case(case, mesh_args, APP_ROOT, base / f"gen-{size}", opts.repeat_generated, opts)
            cases.append(case)
    finally:
        total = time.perf_counter() - started
        if cases:
            report = render_results(cases, tool_versions(), started_at, total, opts.time_bin, opts.source, load_start)
            opts.results.write_text(report)
            print("\n" + markdown_table(cases))
            for case in cases:
                for note in case.notes:
                    print(f"  {case.name}: {note}")
                if case.error:
                    print(f"  {case.name}: FAILED: {case.error}")
            print(f"\ntotal runtime {total:.0f} s; report written to {opts.results}")
        if cleanup is not None:
            cleanup.cleanup()
    return 0 if all(case.ok for case in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
