"""What the plan compares with: the templates of a git revision (synthesized in a temporary
worktree), or the templates deployed in each target account (read through a read-only role)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from mesh_config.mesh_dir import ENV_VAR
from mesh_plan.assembly import StackTemplate, read_assembly

ROOT = Path(__file__).resolve().parent.parent
MAIN_BRANCHES = ("origin/main", "main")
# What `make install` builds and git does not hold (the image-ingestion Lambda's Pillow layer folder,
# build/lambda/pillow): a revision's app bundles it as an asset, so its worktree must see it.
BUILD_DIR = "build"
SYNTH = """
import json, sys
import aws_cdk as cdk
from app import build_app
context = {**json.load(open("cdk.json"))["context"], "mesh_dir": sys.argv[1], "direct": "true"}
context["aws:cdk:enable-path-metadata"] = True  # as `cdk synth`: the plan names resources by their paths
build_app(cdk.App(outdir=sys.argv[2], context=context)).synth()
"""


class BaselineError(RuntimeError):
    """The baseline cannot be built or read; the message says which and why."""


def synthesize(root: Path, mesh_dir: str, outdir: Path) -> dict[str, StackTemplate]:
    """The environments' stacks (direct mode: what the pipeline deploys) of the app in ``root``."""
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop(ENV_VAR, None)  # the folder is given: MESH_DIR must not override it in the app
    result = subprocess.run(
        [sys.executable, "-c", SYNTH, mesh_dir, str(outdir)], cwd=root, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-20:])
        raise BaselineError(f"synthesis in {root} failed:\n{tail}")
    return read_assembly(outdir)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise BaselineError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def default_revision() -> str:
    """The merge base of HEAD with the main branch (HEAD itself on main: the working tree's edits)."""
    return choose_revision("")[0]


def choose_revision(given: str) -> tuple[str, str]:
    """The baseline commit and how it was chosen, in words for the plan's header."""
    if given:
        return _commit(given), f"given with --baseline git:{given}"
    head = _git("rev-parse", "HEAD")
    for branch in MAIN_BRANCHES:
        try:
            commit = _git("merge-base", "HEAD", branch)
        except BaselineError:
            continue
        mine = " (HEAD itself: the plan shows the uncommitted edits)" if commit == head else ""
        return commit, f"merge base of HEAD and {branch}{mine}"
    return head, "HEAD (no main branch to take a merge base with)"


def _commit(revision: str) -> str:
    return _git("rev-parse", "--verify", f"{revision}^{{commit}}")


def repository_path(mesh_dir: str) -> str | None:
    """The mesh folder relative to the repository root, as a revision's tree holds it; None for a
    folder outside the repository (kept in a repository of its own)."""
    try:
        return Path(mesh_dir).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return None


def folder_in_revision(revision: str, mesh_dir: str) -> bool:
    """Whether ``revision`` has the mesh folder (with its mesh.yaml): a new folder has no baseline.
    A folder outside the repository is in no revision: it is compared as it is now."""
    folder = repository_path(mesh_dir)
    if folder is None:
        return True
    spec = f"{_commit(revision)}:{folder}/mesh.yaml"
    return subprocess.run(["git", "cat-file", "-e", spec], cwd=ROOT, capture_output=True).returncode == 0


def git_baseline(revision: str, mesh_dir: str) -> dict[str, StackTemplate]:
    """Synthesize ``revision`` in a temporary worktree, with the same mesh folder (relative to the
    repository root; one outside the repository as it is now); a revision without that folder has
    no stacks (everything is new)."""
    commit = _commit(revision)
    if not folder_in_revision(commit, mesh_dir):
        return {}
    folder = repository_path(mesh_dir) or str(Path(mesh_dir).resolve())
    with tempfile.TemporaryDirectory(prefix="mesh-plan-") as tmp:
        tree = Path(tmp) / "tree"
        _git("worktree", "add", "--detach", str(tree), commit)
        try:
            link_build_output(tree)
            return synthesize(tree, folder, Path(tmp) / "cdk.out")
        finally:
            _git("worktree", "remove", "--force", str(tree))


def link_build_output(tree: Path, root: Path = ROOT) -> None:
    """Let the worktree ``tree`` see ``root``'s build output (ignored by git, so a fresh worktree
    lacks it and its synth fails on the missing layer folder). A link, not a build of the revision's
    own lock: the layer's contents only set an asset hash, and both sides then bundle the same one."""
    built, seen = root / BUILD_DIR, tree / BUILD_DIR
    if built.is_dir() and not seen.exists():
        seen.symlink_to(built, target_is_directory=True)


ClientFor = Callable[[str, str], Any]


def deployed_baseline(target: Mapping[str, StackTemplate], cloudformation_for: ClientFor) -> dict[str, StackTemplate]:
    """The deployed template (TemplateStage Original) of every stack of ``target``; a stack that
    does not exist yet has none. ``cloudformation_for(account, region)`` returns a client with the
    account's read-only plan role (or, before the first deployment, its bootstrap lookup role), or
    None when nothing of the account is to be read."""
    out: dict[str, StackTemplate] = {}
    for name, stack in sorted(target.items()):
        client = cloudformation_for(stack.account, stack.region)
        if client is None:
            continue
        try:
            body = client.get_template(StackName=_deployed_name(client, stack), TemplateStage="Original")[
                "TemplateBody"
            ]
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message", "")
            if "does not exist" in message:
                continue
            raise BaselineError(f"GetTemplate {name} in {stack.account}: {message or error}") from error
        template = json.loads(body) if isinstance(body, str) else dict(body)
        out[name] = StackTemplate(
            name, stack.account, stack.region, template, stack.parent, stack.logical_id, stack.path
        )
    return out


def _deployed_name(client: Any, stack: StackTemplate) -> str:
    """A stack's name, or for a nested stack the id CloudFormation gave it, read from its parent (a
    parent that does not exist raises ClientError "does not exist", like a missing stack)."""
    if stack.parent is None or stack.logical_id is None:
        return stack.name
    resource = client.describe_stack_resource(StackName=stack.parent, LogicalResourceId=stack.logical_id)
    return str(resource["StackResourceDetail"]["PhysicalResourceId"])
