#!/usr/bin/env python3
"""Benchmark `cdk synth` (pipeline mode, the default) on this machine and write benchmark/RESULTS.md.

Run:  .venv/bin/python benchmark/synth_benchmark.py [--cases empty example 1000 5000] [--repeat N]
      (or `make bench`, which also runs the console benchmark)

Cases (every one through the real CLI: node_modules/.bin/cdk synth --quiet -o <tmp>/cdk.out)
  empty    an app with one empty Stack (temp dir, same cdk.json context): the fixed cost of the CDK
           CLI + Python + jsii/Node start-up; the baseline of every ratio, measured in the same run
           (added when not selected, since the budgets are ratios)
  example  the bundled mesh (environments/: dev, staging, prod)
  1000     the example plus 20 generated business units with a team unit each, 1 000 projects,
           10 tables per business unit and 50 subscriptions across units (benchmark/mesh_generator.py)
  5000     the same with 200 business units, 5 000 projects and 500 subscriptions
A generated mesh's `layout` is found by validating it and applying the counts the refusals ask for.
A case that fails validation or synth is reported with its error and the run goes on.

CPU is the budget figure: the machine is shared, so wall time depends on the other work on it while
CPU seconds (user + sys of the whole process tree) mostly do not.
  CPU    os.wait4 on the CLI's process (it and every descendant it reaped), and
         getrusage(RUSAGE_CHILDREN) deltas with this process as the tree's child subreaper (so a
         descendant whose parent did not wait for it is reaped, and counted, here): the larger.
  memory the peak of the SUM of the RSS of every process of the tree (cdk CLI node -> python app.py
         -> jsii node), sampled from /proc every 100 ms (shared pages counted per process), and the
         largest single process (wait4's ru_maxrss, or the largest sampled, whichever is larger).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import importlib.metadata
import json
import os
import re
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmark.mesh_generator import (  # noqa: E402
    PARTITION_KEYS,
    PROJECT_CONTRIBUTORS,
    PROJECT_OWNERS,
    PROJECT_PROFILE,
    SHAPES,
    TABLE_COLUMNS,
    UNIT_GROUPS,
    LayoutSearch,
    Shape,
    declared_counts,
    fit_layout,
    generate_mesh,
)
from benchmark.pipeline_shape import CODEPIPELINE_ACTIONS_PER_STAGE, find_stages  # noqa: E402

BENCH_DIR = ROOT / "benchmark"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"  # not resolved: the symlink is what selects the venv
NODE_BIN = ROOT / "node_modules" / ".bin"
CDK = NODE_BIN / "cdk"
# The app under test: the working tree, or a `git archive` snapshot of --ref (see use_source).
APP_ROOT = ROOT

CASES = ("empty", "example", *SHAPES)
# Runs per case by default (median): the small cases are quick and noisy, the large ones slow.
DEFAULT_REPEAT = {"empty": 3, "example": 3}
LARGE_REPEAT = 1
# CPU budgets, as a ratio to the empty app's CPU seconds of the same run.
BUDGETS = {"example": 2.0, "1000": 4.0, "5000": 30.0}

CFN_MAX_RESOURCES = 500
CFN_MAX_OUTPUTS = 200
CFN_MAX_TEMPLATE_BYTES = 1_000_000  # CloudFormation's 1 MB for a template uploaded through S3, in round bytes

SAMPLE_INTERVAL = 0.1
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
ERROR_LINES = 15
# Console benchmark figures pasted below the synth report survive a rewrite of it.
KEPT_SECTION = "## The management API and console"
EMPTY_APP = """\
import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


# --------------------------------------------------------------------------- the app under test


def use_source(ref: str | None, work: Path) -> str:
    """Point APP_ROOT at the working tree (ref None) or at a snapshot of a git ref; describe it."""
    global APP_ROOT
    if ref is None:
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        state = "with uncommitted changes" if dirty.stdout.strip() else "clean"
        return f"working tree {ROOT} (HEAD {head.stdout.strip() or '?'}, {state})"
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
    # mesh_config (validation, layout limits) is imported from the app under test, not the working tree.
    sys.path.insert(0, str(APP_ROOT))
    return f"git snapshot of {ref} ({commit.stdout.strip()}) in a temp dir"


# --------------------------------------------------------------------------- process tree accounting


def become_subreaper() -> bool:
    """Make this process the child subreaper of its descendants (Linux prctl), so a grandchild whose
    parent exits without waiting is re-parented here, reaped here and counted in RUSAGE_CHILDREN."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


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


def _tree(root: int) -> list[int]:
    children = _children_by_parent()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants, and the largest one, until stopped."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peak_bytes = 0
        self.peak_single_bytes = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sizes = [_rss_bytes(pid) for pid in _tree(self.root_pid)]
            self.peak_bytes = max(self.peak_bytes, sum(sizes))
            self.peak_single_bytes = max(self.peak_single_bytes, *sizes)
            self.peak_processes = max(self.peak_processes, len(sizes))
            self._stop_event.wait(SAMPLE_INTERVAL)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(pgid: int, grace: float) -> None:
    """Wait for descendants re-parented to this process (subreaper), then end what is left of the
    synth's own process group (its session, started for it: nothing else is in it)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


# --------------------------------------------------------------------------- one synth run


@dataclass
class Run:
    wall_seconds: float
    cpu_seconds: float
    returncode: int
    tree_peak_mb: float
    process_peak_mb: float
    tree_processes: int
    log: Path
    outdir: Path
    cpu_note: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def synth_env() -> dict[str, str]:
    env = dict(os.environ)
    # Pinned Node 22 first (the jsii runtime warns on older Node), then the venv.
    env["PATH"] = os.pathsep.join([str(NODE_BIN), str(VENV_PYTHON.parent), env.get("PATH", "")])
    return env


def run_synth(args: list[str], cwd: Path, work: Path, label: str, timeout: float) -> Run:
    """`cdk synth --quiet -o <work>/cdk.out <args>` in cwd: timed, CPU-accounted and memory-sampled."""
    work.mkdir(parents=True, exist_ok=True)
    outdir, log = work / "cdk.out", work / "synth.log"
    command = [str(CDK), "synth", "--quiet", "-o", str(outdir), *args]
    print(f"  [{label}] {' '.join(command)}", flush=True)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=synth_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        deadline = start + timeout
        try:
            # os.wait4 rather than Popen.wait: it returns the rusage of the CLI and its reaped descendants.
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(proc.pid, signal.SIGTERM)  # the session started above: only this synth's processes
                    pid, status, usage = os.wait4(proc.pid, 0)
                    out.write(f"\n[benchmark] killed after the {timeout:.0f} s timeout\n")
                    break
                time.sleep(0.05)
        finally:
            sampler.stop()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        _reap_orphans(proc.pid, grace=10)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_cpu, children_cpu = _cpu(usage), _cpu(children_after) - _cpu(children_before)
    note = "" if abs(children_cpu - tree_cpu) < 0.05 * max(tree_cpu, 1) else f"wait4 {tree_cpu:.1f} s"
    run = Run(
        wall_seconds=wall,
        cpu_seconds=max(tree_cpu, children_cpu),
        returncode=proc.returncode,
        tree_peak_mb=sampler.peak_bytes / 2**20,
        # wait4's ru_maxrss is in KiB on Linux: the largest of the process and its reaped descendants.
        process_peak_mb=max(usage.ru_maxrss / 1024, sampler.peak_single_bytes / 2**20),
        tree_processes=sampler.peak_processes,
        log=log,
        outdir=outdir,
        cpu_note=note,
    )
    status_text = "ok" if run.ok else f"FAILED rc={run.returncode}"
    print(
        f"  [{label}] {status_text}: wall {wall:.1f} s, CPU {run.cpu_seconds:.1f} s, tree peak "
        f"{run.tree_peak_mb:.0f} MB, largest process {run.process_peak_mb:.0f} MB",
        flush=True,
    )
    return run


def error_excerpt(text: str, lines: int = ERROR_LINES) -> str:
    """The first lines of the error in a synth log (from the first line naming an error), else its end."""
    rows = [row for row in text.rstrip().splitlines() if row.strip()]
    for i, row in enumerate(rows):
        if re.search(r"error|Error|problem|Traceback|killed", row):
            return "\n".join(rows[i : i + lines])
    return "\n".join(rows[-lines:])


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
    """Every template of the assembly: the top level (pipeline or empty stack), the stage assemblies
    (assembly-*/, one per environment) and nested stacks (*.nested.template.json)."""
    stats = AssemblyStats()
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
            stats.over_limits.append(f"{name}: {resources} resources (limit {CFN_MAX_RESOURCES})")
        if outputs > CFN_MAX_OUTPUTS:
            stats.over_limits.append(f"{name}: {outputs} outputs (limit {CFN_MAX_OUTPUTS})")
        if size > CFN_MAX_TEMPLATE_BYTES:
            stats.over_limits.append(f"{name}: template of {size:,} bytes (limit 1 MB)")
    return stats


@dataclass
class PipelineShape:
    max_actions: tuple[str, int] = ("-", 0)
    # env -> its pipeline stages, and the sum over them of the distinct deploy RunOrders.
    stages_per_env: dict[str, list[str]] = field(default_factory=dict)
    depth_per_env: dict[str, int] = field(default_factory=dict)
    over_limits: list[str] = field(default_factory=list)


def pipeline_shape(outdir: Path, envs: list[str]) -> PipelineShape | None:
    """The synthesized pipeline's Stages (the `<org>-mesh-pipeline` stack's AWS::CodePipeline::Pipeline)."""
    stages = find_stages(outdir)
    if stages is None:
        return None
    shape = PipelineShape(stages_per_env={env: [] for env in envs}, depth_per_env=dict.fromkeys(envs, 0))
    # An environment deploys in a stage named after it, or over several: prod, prod-2, prod-3 ...
    # (this app's split), or prod.1, prod.2 (CDK Pipelines' own chunks of 50 deployments, which
    # this app's split may cut again: prod.1-2).
    env_of = re.compile(r"^(" + "|".join(map(re.escape, envs)) + r")(?:\.\d+)?(?:-\d+)?$")
    for stage in stages:
        actions = stage["Actions"]
        if len(actions) > shape.max_actions[1]:
            shape.max_actions = (stage["Name"], len(actions))
        if len(actions) > CODEPIPELINE_ACTIONS_PER_STAGE:
            shape.over_limits.append(
                f"pipeline stage {stage['Name']}: {len(actions)} actions (limit {CODEPIPELINE_ACTIONS_PER_STAGE})"
            )
        match = env_of.match(stage["Name"])
        if match is None:
            continue
        # The steps one after another: RunOrders holding a deploy (with change sets, the execute
        # action; the create action of the same stack runs one RunOrder earlier and is not a step).
        deploys = {
            a["RunOrder"]
            for a in actions
            if a["ActionTypeId"]["Provider"] == "CloudFormation"
            and a.get("Configuration", {}).get("ActionMode") != "CHANGE_SET_REPLACE"
        }
        shape.stages_per_env[match.group(1)].append(stage["Name"])
        shape.depth_per_env[match.group(1)] += len(deploys)
    return shape


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    description: str
    repeat: int
    shape: Shape | None = None
    projects: str = "-"
    counts: dict[str, int] = field(default_factory=dict)
    search: LayoutSearch | None = None
    runs: list[Run] = field(default_factory=list)
    stats: AssemblyStats | None = None
    pipeline: PipelineShape | None = None
    error: str | None = None
    prepare_seconds: float = 0.0
    total_seconds: float = 0.0
    load_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs) and all(run.ok for run in self.runs)

    def median(self, attribute: str) -> float | None:
        values = [getattr(run, attribute) for run in self.runs if run.ok]
        return statistics.median(values) if values and self.ok else None

    @property
    def over_limits(self) -> list[str]:
        return [*(self.stats.over_limits if self.stats else []), *(self.pipeline.over_limits if self.pipeline else [])]


def projects_per_environment(mesh_dir: Path, counts: dict[str, int] | None = None) -> str:
    """Projects in each environment after validation ('106', or 'dev 106 / prod 100' when they differ)."""
    if counts is None:
        from mesh_config import load_mesh

        config = load_mesh(mesh_dir)
        counts = {env.name: len(config.projects_in(env)) for env in config.environments}
    if len(set(counts.values())) == 1:
        return str(next(iter(counts.values())))
    return " / ".join(f"{name} {count}" for name, count in counts.items())


def environments_of(mesh_dir: Path) -> list[str]:
    import yaml

    return list(yaml.safe_load((mesh_dir / "mesh.yaml").read_text())["environments"])


def prepare(case: Case, base: Path) -> tuple[list[str], Path, list[str]] | None:
    """The synth arguments, working directory and environments of a case; None (and case.error)
    when its mesh does not validate."""
    example_dir = APP_ROOT / "environments"
    if case.name == "empty":
        app_dir = base / "empty-app"
        app_dir.mkdir(parents=True, exist_ok=True)
        (app_dir / "app.py").write_text(EMPTY_APP)
        # Like cdk.json: -O skips the bindings' runtime type checks (app.py).
        app_command = f"{VENV_PYTHON} -O app.py"
        context = json.loads((APP_ROOT / "cdk.json").read_text())["context"]
        (app_dir / "cdk.json").write_text(json.dumps({"app": app_command, "context": context}, indent=2))
        case.projects = "0"
        return ["--app", app_command], app_dir, []
    if case.name == "example":
        mesh_dir = example_dir
        import yaml

        case.counts = declared_counts(yaml.safe_load((mesh_dir / "mesh.yaml").read_text()))
    else:
        assert case.shape is not None
        mesh_dir = base / f"mesh-{case.name}"
        print(f"  generating {case.shape} and fitting its layout ...", flush=True)
        mesh = generate_mesh(case.shape, example_dir)
        case.counts = declared_counts(mesh)
        case.search = fit_layout(mesh_dir, mesh, example_dir)
        print(f"  layout {case.search.layout} after {case.search.attempts} validation(s)", flush=True)
        if not case.search.ok:
            case.error = f"the generated mesh does not validate:\n\n```\n{_first_lines(case.search.error)}\n```"
            return None
    case.projects = projects_per_environment(mesh_dir, case.search.projects_per_env if case.search else None)
    return ["-c", f"mesh_dir={mesh_dir}"], APP_ROOT, environments_of(mesh_dir)


def _first_lines(text: str | None, lines: int = ERROR_LINES) -> str:
    rows = (text or "").strip().splitlines()
    return "\n".join(rows[:lines] + ([f"... ({len(rows) - lines} more lines)"] if len(rows) > lines else []))


def run_case(case: Case, base: Path, opts: argparse.Namespace) -> None:
    started = time.perf_counter()
    case.load_at_start = os.getloadavg()
    try:
        prepared = prepare(case, base)
    except Exception as error:  # a crash in one case's generation must not lose the others' figures
        case.error = f"preparing the case raised:\n\n```\n{_first_lines(repr(error))}\n```"
        prepared = None
    case.prepare_seconds = time.perf_counter() - started
    if prepared is not None:
        args, cwd, envs = prepared
        for i in range(case.repeat):
            work = base / case.name / f"run{i + 1}"
            run = run_synth([*args, *opts.extra_context], cwd, work, f"{case.name} {i + 1}", opts.timeout)
            case.runs.append(run)
            if not run.ok:
                excerpt = error_excerpt(run.log.read_text(errors="replace"))
                case.error = f"`cdk synth` exited with {run.returncode}:\n\n```\n{excerpt}\n```"
                print(f"  {run.log}:\n{excerpt}", flush=True)
                break
            if i < case.repeat - 1:
                shutil.rmtree(run.outdir)  # keep only the last assembly (a 5 000-project one is large)
        if case.runs and case.runs[-1].ok:
            case.stats = assembly_stats(case.runs[-1].outdir)
            case.pipeline = pipeline_shape(case.runs[-1].outdir, envs) if envs else None
            if not opts.keep:
                shutil.rmtree(case.runs[-1].outdir)
    case.total_seconds = time.perf_counter() - started


def warm_up(base: Path, opts: argparse.Namespace) -> None:
    """One run of the empty app, not counted: the first synth after an install or a reboot reads
    Node's and Python's modules from a cold disk cache (measured: 26.5 s of CPU, then 10.9 s),
    which would inflate the baseline of every ratio."""
    case = make_case("empty", 1)
    prepared = prepare(case, base / "warm-up")
    if prepared is None:
        return
    args, cwd, _ = prepared
    run = run_synth([*args, *opts.extra_context], cwd, base / "warm-up" / "run", "warm-up", opts.timeout)
    print(f"  warm-up (not counted): {'ok' if run.ok else 'failed'}", flush=True)


# --------------------------------------------------------------------------- report


def tool_versions() -> dict[str, str]:
    def output(command: list[str]) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=synth_env(), timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"unknown ({error})"
        text = (result.stdout or result.stderr).strip()
        return text.splitlines()[0] if text else "?"

    def package(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    return {
        "nproc": output(["nproc"]),
        "memory": next((row.split(":", 1)[1].strip() for row in meminfo if row.startswith("MemTotal")), "?"),
        "Python": output([str(VENV_PYTHON), "--version"]).removeprefix("Python "),
        "Node": output([str(NODE_BIN / "node"), "--version"]),
        "CDK CLI": output([str(CDK), "--version"]),
        "aws-cdk-lib": package("aws-cdk-lib"),
        "cdk-nag": package("cdk-nag"),
    }


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(f"{load:.2f}" for load in loads)


def _runs_label(case: Case) -> str:
    return "1 run" if len(case.runs) == 1 else f"median of {len(case.runs)}"


def _ratio(value: float | None, baseline: float | None) -> str:
    return f"{value / baseline:.2f}" if value is not None and baseline else "-"


def _budget(case: Case, cpu_ratio: float | None) -> str:
    limit = BUDGETS.get(case.name)
    if limit is None:
        return "-"
    if cpu_ratio is None:
        return f"≤ {limit:g}x: not measured"
    return f"≤ {limit:g}x: {'ok' if cpu_ratio <= limit else 'OVER'}"


MAIN_HEADER = [
    "case",
    "projects/env",
    "synth wall s",
    "x empty (wall)",
    "CPU s",
    "x empty (CPU)",
    "CPU budget",
    "peak RSS MB: tree (largest process)",
    "limits",
]
SHAPE_HEADER = [
    "case",
    "stacks",
    "total resources",
    "largest stack (resources)",
    "max outputs in a stack",
    "largest template bytes",
    "max actions in a pipeline stage",
    "pipeline stages per env",
    "sequential deploy depth per env",
]


def _table(rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [rows[0], ["---"] * len(rows[0]), *rows[1:]])


def main_rows(cases: list[Case]) -> list[list[str]]:
    empty = next((c for c in cases if c.name == "empty"), None)
    base_wall = empty.median("wall_seconds") if empty else None
    base_cpu = empty.median("cpu_seconds") if empty else None
    rows = [MAIN_HEADER]
    for case in cases:
        label = f"{case.name} ({_runs_label(case)})" if case.runs else case.name
        if not case.ok and not case.runs:
            rows.append([label, case.projects, "FAILED (not synthesized)", *["-"] * 3, _budget(case, None), "-", "-"])
            continue
        if not case.ok:
            # What the failed run cost until it stopped: a lower bound of a successful synth.
            run = case.runs[-1]
            rows.append(
                [
                    label,
                    case.projects,
                    f"FAILED rc={run.returncode} after {run.wall_seconds:.1f}",
                    _ratio(run.wall_seconds, base_wall),
                    f"{run.cpu_seconds:.1f} until the failure",
                    _ratio(run.cpu_seconds, base_cpu),
                    _budget(case, None),
                    f"{run.tree_peak_mb:.0f} ({run.process_peak_mb:.0f}) until the failure",
                    "-",
                ]
            )
            continue
        wall, cpu = case.median("wall_seconds"), case.median("cpu_seconds")
        cpu_ratio = cpu / base_cpu if cpu is not None and base_cpu else None
        ok_runs = [run for run in case.runs if run.ok]
        rss = f"{max(r.tree_peak_mb for r in ok_runs):.0f} ({max(r.process_peak_mb for r in ok_runs):.0f})"
        rows.append(
            [
                label,
                case.projects,
                f"{wall:.1f}",
                _ratio(wall, base_wall),
                f"{cpu:.1f}",
                _ratio(cpu, base_cpu),
                _budget(case, cpu_ratio),
                rss,
                "OVER: see notes" if case.over_limits else "ok",
            ]
        )
    return rows


def shape_rows(cases: list[Case]) -> list[list[str]]:
    rows = [SHAPE_HEADER]
    for case in cases:
        if case.stats is None:
            rows.append([case.name, *["-"] * 8])
            continue
        s, p = case.stats, case.pipeline
        per_env = (lambda values: " / ".join(f"{env} {v}" for env, v in values.items())) if p else None
        rows.append(
            [
                case.name,
                str(s.stacks),
                f"{s.resources:,}",
                f"{s.largest[1]} ({s.largest[0]})",
                f"{s.most_outputs[1]} ({s.most_outputs[0]})",
                f"{s.biggest_template[1]:,} ({s.biggest_template[0]})",
                f"{p.max_actions[1]} ({p.max_actions[0]})" if p else "-",
                per_env({e: len(v) for e, v in p.stages_per_env.items()}) if p and per_env else "-",
                per_env(p.depth_per_env) if p and per_env else "-",
            ]
        )
    return rows


def generator_section() -> list[str]:
    lines = [
        "## Generated meshes",
        "",
        "benchmark/mesh_generator.py: environments/mesh.yaml (its 6 units, 6 projects, 3 catalogs, 3 subscriptions, "
        "glossaries and forms kept) plus, in every environment alike:",
        "",
        "| case | business units | team units per BU | projects | tables per BU | subscriptions |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {name} | {s.business_units} | {s.teams_per_unit} | {s.projects:,} | {s.tables_per_unit} | "
            f"{s.subscriptions} |"
            for name, s in SHAPES.items()
        ),
        "",
        "- units: business units `gen<n>` (owners and project creators "
        f"{list(UNIT_GROUPS)}), each with team unit(s) `gen<n>-team<t>` (owners {list(UNIT_GROUPS)}).",
        "- projects: `uc<n>` dealt round-robin over the generated business and team units (evenly spread); profile "
        f"`{PROJECT_PROFILE}`, owners {list(PROJECT_OWNERS)}, contributors {list(PROJECT_CONTRIBUTORS)}.",
        "- catalogs: one per generated business unit, produced by its first project: tables `t01`.. with "
        f"{len(TABLE_COLUMNS)} columns ({', '.join(c['name'] + ' ' + c['type'] for c in TABLE_COLUMNS)}; "
        f"customer_email pii) and partition key {PARTITION_KEYS[0]['name']} {PARTITION_KEYS[0]['type']}, "
        "prefix `<bu>/<table>/`, published.",
        "- subscriptions: a project of one business unit (not its producer) subscribed to a table of another one "
        "(by asset name `<bu>_<dataset>_table`), dealt round-robin over consumers, producer units and tables.",
        "- layout: validate (`mesh_config.load_mesh`), apply the largest `set layout.<field>: <N>` per field "
        "among the `layout.*` refusals, repeat (at most 8 validations); any other refusal stops the case.",
    ]
    return lines


def case_notes(case: Case) -> list[str]:
    lines = [f"### {case.name}", "", f"- {case.description}"]
    if case.counts:
        lines.append("- declared: " + ", ".join(f"{k} {v:,}" for k, v in case.counts.items()))
    if case.search is not None:
        rounds = "; ".join(f"round {i + 1}: {r or 'valid'}" for i, r in enumerate(case.search.rounds))
        found = case.search.layout or "defaults"
        lines.append(f"- layout found: `{found}` after {case.search.attempts} validation(s) ({rounds})")
    lines.append(
        f"- time: {case.total_seconds:.0f} s in all ({case.prepare_seconds:.0f} s generating and validating, the rest "
        f"synthesizing); load average at its start {_loads(case.load_at_start)}"
    )
    if case.runs:
        lines.append(
            "- runs: "
            + ", ".join(
                f"wall {r.wall_seconds:.1f} s / CPU {r.cpu_seconds:.1f} s / peak {r.tree_peak_mb:.0f} MB"
                + (f" ({r.cpu_note})" if r.cpu_note else "")
                + ("" if r.ok else f" FAILED rc={r.returncode}")
                for r in case.runs
            )
            + f"; up to {max(r.tree_processes for r in case.runs)} processes in the tree"
        )
    if case.pipeline is not None:
        stages = "; ".join(f"{env}: {', '.join(names) or '-'}" for env, names in case.pipeline.stages_per_env.items())
        lines.append(f"- pipeline stages per environment: {stages}")
    lines.extend(f"- **OVER A LIMIT**: {problem}" for problem in case.over_limits)
    if case.error:
        lines.append(f"- **FAILED**: {case.error}")
    return [*lines, ""]


def render_results(
    cases: list[Case], versions: dict[str, str], started: datetime.datetime, total: float, source: str, load_start: Any
) -> str:
    lines = [
        "# `cdk synth` benchmark",
        "",
        f"- date: {started.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- app under test: {source}",
        *(f"- {name}: {value}" for name, value in versions.items()),
        f"- total benchmark runtime: {total:.0f} s",
        f"- load average (1/5/15 min) at the start: {_loads(load_start)}, at the end: {_loads(os.getloadavg())} "
        f"(the benchmark itself adds about 1-2 on {versions.get('nproc', '?')} cores; more means other work on the "
        "machine inflated the wall times: compare CPU seconds and their ratios)",
        "- budgets (CPU seconds as a ratio to the empty app of the same run): "
        + ", ".join(f"{name} ≤ {limit:g}x" for name, limit in BUDGETS.items())
        + " (5000: peak memory reported)",
        "",
        _table(main_rows(cases)),
        "",
        _table(shape_rows(cases)),
        "",
        "- every case in pipeline mode (the default synth: the `<org>-mesh-pipeline` stack with one stage per "
        "environment dev, staging, prod), through `node_modules/.bin/cdk synth --quiet -o <tmp>/cdk.out` "
        "(CLI start-up, the Python app, cdk-nag validation and writing the assembly); medians of the successful runs, "
        "after one uncounted run of the empty app (a cold disk cache would inflate the baseline).",
        "- CPU s: user + sys of the whole process tree (os.wait4 on the CLI; getrusage(RUSAGE_CHILDREN) deltas with "
        "this script as child subreaper; the larger). The budget figure: it depends little on the machine's load.",
        f"- peak RSS: the summed RSS of the process tree sampled every {SAMPLE_INTERVAL * 1000:.0f} ms (max over "
        "runs; shared pages counted per process), in parentheses the largest single process.",
        "- stacks / resources / outputs / template bytes: every `*.template.json` under cdk.out (`assembly-<env>/` "
        "holds an environment, nested stacks included) of the last run, named `<assembly>/<artifact id>`.",
        f"- limits checked per case: every pipeline stage ≤ {CODEPIPELINE_ACTIONS_PER_STAGE} actions, every stack ≤ "
        f"{CFN_MAX_RESOURCES} resources and ≤ {CFN_MAX_OUTPUTS} outputs, every template ≤ 1 MB "
        f"({CFN_MAX_TEMPLATE_BYTES:,} bytes).",
        "- pipeline figures from the pipeline stack's AWS::CodePipeline::Pipeline `Stages`: an environment's stages "
        "are named `<env>` or `<env>-<n>`; its sequential deploy depth is the sum over them of the distinct RunOrder "
        "values holding CloudFormation deploy actions.",
        "",
        *generator_section(),
        "",
        "## Notes per case",
        "",
    ]
    for case in cases:
        lines.extend(case_notes(case))
    return "\n".join(lines).rstrip() + "\n"


def kept_sections(path: Path) -> str:
    """Sections of an earlier report this script does not write (the console benchmark's figures)."""
    if not path.exists():
        return ""
    text = path.read_text()
    at = text.find(KEPT_SECTION)
    return "\n" + text[at:] if at >= 0 else ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), help="cases to run (in this order)")
    parser.add_argument(
        "--repeat", type=int, help="runs of every case (median); default 3 for empty and example, 1 for the others"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before one synth is killed")
    parser.add_argument(
        "--ref", help="benchmark a `git archive` snapshot of this ref (e.g. HEAD) instead of the working tree"
    )
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra `cdk synth -c` context for the mesh app (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work files in benchmark/out/ (git-ignored)")
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="markdown report to write")
    opts = parser.parse_args(argv)
    if opts.repeat is not None and opts.repeat < 1:
        parser.error("--repeat must be positive")
    # The ratios need the baseline of the same run.
    opts.cases = ["empty", *dict.fromkeys(c for c in opts.cases if c != "empty")]
    opts.extra_context = [arg for item in opts.context for arg in ("-c", item)]
    return opts


def make_case(name: str, repeat: int | None) -> Case:
    runs = repeat or DEFAULT_REPEAT.get(name, LARGE_REPEAT)
    if name == "empty":
        return Case(name, "an app with one empty Stack, same CLI and cdk.json context", runs)
    if name == "example":
        return Case(name, "the bundled example mesh (environments/)", runs)
    return Case(name, f"generated: {SHAPES[name]}", runs, shape=SHAPES[name])


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    started_at = datetime.datetime.now().astimezone()
    started = time.perf_counter()
    load_start = os.getloadavg()
    if not become_subreaper():
        print("note: not a child subreaper; CPU of descendants nobody waited for is not counted")
    if opts.keep:
        base = BENCH_DIR / "out"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="synth-bench-")
        base = Path(cleanup.name)
    source = use_source(opts.ref, base)
    print(f"app under test: {source}; cases {' '.join(opts.cases)}", flush=True)
    versions = tool_versions()
    kept = kept_sections(opts.results)
    cases: list[Case] = []

    def write_report() -> None:
        # After every case: a run stopped during a long case keeps the figures of the earlier ones.
        total = time.perf_counter() - started
        opts.results.write_text(render_results(cases, versions, started_at, total, source, load_start) + kept)

    try:
        warm_up(base, opts)
        for name in opts.cases:
            case = make_case(name, opts.repeat)
            print(f"\n== {name} ({case.repeat} run(s)); load average {_loads(os.getloadavg())}", flush=True)
            cases.append(case)
            run_case(case, base, opts)
            write_report()
            print(f"  {name}: {'ok' if case.ok else 'FAILED'} in {case.total_seconds:.0f} s", flush=True)
    finally:
        if cases:
            write_report()
            print("\n" + _table(main_rows(cases)) + "\n\n" + _table(shape_rows(cases)))
            print(f"\ntotal runtime {time.perf_counter() - started:.0f} s; report written to {opts.results}")
        if cleanup is not None:
            cleanup.cleanup()
    return 0 if all(case.ok and not case.over_limits for case in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
