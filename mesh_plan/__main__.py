"""python -m mesh_plan: what a deployment would change, refusing to lose data without permission.

  python -m mesh_plan                       the working tree against the merge base with main
  python -m mesh_plan --mesh-dir my-mesh    ... of another mesh folder (default: MESH_DIR, else
                                            cdk.json's context.mesh_dir, else environments)
  python -m mesh_plan --baseline git:REV    ... against another revision
  python -m mesh_plan --baseline deployed --target cdk.out
                                            the pipeline: against what each account runs
Exit status: 0 when nothing stateful is replaced or deleted without an allow_changes entry, 1
otherwise, 2 when the plan cannot be made.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from mesh_config import ConfigError, EnvironmentConfig, MeshConfig, load_mesh
from mesh_config.mesh_dir import resolve_mesh_dir
from mesh_config.naming import bootstrap_lookup_role_name, plan_reader_role_name, plan_runner_role_name
from mesh_plan.assembly import StackTemplate, read_assembly
from mesh_plan.baseline import (
    ROOT,
    BaselineError,
    choose_revision,
    deployed_baseline,
    folder_in_revision,
    git_baseline,
    repository_path,
    synthesize,
)
from mesh_plan.changes import plan
from mesh_plan.header import (
    EMPTY_BASELINE_NOTE,
    EMPTY_DEPLOYED_NOTE,
    Compared,
    git_side,
    new_folder_note,
    outside_note,
)
from mesh_plan.organization import (
    ORGANIZATION,
    organization_accounts,
    organization_stack_names,
    with_permission_reasons,
)
from mesh_plan.report import render, to_json
from mesh_plan.rules import unused, violations

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})


def environments_of(config: MeshConfig, stacks: dict[str, StackTemplate]) -> dict[str, str]:
    """Stack name -> environment name, by the stack's account and region; the organisation's
    stacks (mesh_plan/organization.py) by name, as "organization"."""
    by_target = {(e.account, e.region): e.name for e in config.environments}
    theirs = organization_stack_names(config.mesh.org)
    return {
        name: ORGANIZATION if name in theirs else by_target.get((s.account, s.region), "?")
        for name, s in stacks.items()
    }


# A stack in these states holds no resource: its first creation failed or never ran.
EMPTY_STACK_STATUSES = frozenset({"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"})


def role_client_factory(config: MeshConfig) -> Any:
    """CloudFormation clients in each account, through its read-only plan role.

    The plan role comes with the environment's foundation stack, so it is missing before the first
    deployment. An AccessDenied alone cannot tell that apart from a broken trust, which would turn
    the data-loss gate off, so the plan fails closed unless a fact says nothing is deployed: the
    foundation stack does not exist, read through the bootstrap's lookup role (`cdk bootstrap
    --trust <tools account>` trusts the tools account with it). The lookup client then reads the
    other stacks' templates, so a stack that exists without its foundation is still compared.
    """
    sts = boto3.client("sts", config=CLIENT_CONFIG)
    envs = {e.account: e for e in config.environments}
    organization = organization_accounts(config)

    clients: dict[tuple[str, str], Any] = {}

    def cloudformation(arn: str, region: str) -> Any:
        creds = sts.assume_role(RoleArn=arn, RoleSessionName="mesh-change-plan")["Credentials"]
        return boto3.client(
            "cloudformation",
            region_name=region,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            config=CLIENT_CONFIG,
        )

    def first_deployment_client(env: EnvironmentConfig, reader: str, partition: str, region: str) -> Any:
        lookup = f"arn:{partition}:iam::{env.account}:role/{bootstrap_lookup_role_name(env.account, region)}"
        foundation = config.naming(env).stack("foundation")
        try:
            client = cloudformation(lookup, region)
            stacks = client.describe_stacks(StackName=foundation)["Stacks"]
        except ClientError as error:
            code, message = _error(error)
            if code == "ValidationError" and "does not exist" in message:
                print(
                    f"WARNING: {env.name}: {reader} cannot be assumed and stack {foundation} does not exist: "
                    "a first deployment; the other stacks are read through the bootstrap lookup role",
                    file=sys.stderr,
                )
                return client
            raise BaselineError(
                f"{env.name}: {reader} cannot be assumed (AccessDenied), and whether the environment is deployed "
                f"cannot be read through {lookup} either ({code}: {message}). The plan refuses to pass blind: "
                f"bootstrap account {env.account} with `cdk bootstrap --trust <tools account>`, or fix the plan "
                "reader role's trust (README, 'The change plan')"
            ) from error
        status = stacks[0].get("StackStatus", "") if stacks else ""
        if status in EMPTY_STACK_STATUSES:
            return client
        raise BaselineError(
            f"{env.name}: {reader} cannot be assumed (AccessDenied), but stack {foundation}, which creates it, "
            f"exists ({status}): the role's trust or the synth step's role is misconfigured, and the plan "
            f"refuses to pass without reading what is deployed. The role trusts only "
            f"{plan_runner_role_name(config.mesh.org)} in the tools account (README, 'The change plan')"
        )

    def organization_client(account: str, region: str, partition: str) -> Any:
        """The organisation's accounts have no plan reader role: the bootstrap lookup role (which
        `cdk bootstrap --trust <tools account>` creates for the stage's deployment anyway) reads
        their templates. No fallback: without it the pipeline cannot deploy there either."""
        lookup = f"arn:{partition}:iam::{account}:role/{bootstrap_lookup_role_name(account, region)}"
        try:
            return cloudformation(lookup, region)
        except ClientError as error:
            code, message = _error(error)
            raise BaselineError(
                f"the organisation's stacks in account {account}: {lookup} cannot be assumed ({code}: {message}). "
                f"The plan refuses to pass blind: bootstrap account {account} in {region} with "
                "`cdk bootstrap --trust <tools account>` (docs/organization.md, 'The first deployment')"
            ) from error

    def client(account: str, region: str) -> Any:
        if (account, region) in clients:
            return clients[(account, region)]
        partition = boto3.Session().get_partition_for_region(region)
        if account not in envs and account in organization:
            clients[(account, region)] = organization_client(account, region, partition)
            return clients[(account, region)]
        env = envs[account]
        reader = f"arn:{partition}:iam::{account}:role/{plan_reader_role_name(config.mesh.org, env.name)}"
        try:
            clients[(account, region)] = cloudformation(reader, region)
        except ClientError as error:
            code, _ = _error(error)
            if code != "AccessDenied":
                raise BaselineError(f"assume {reader}: {error}") from error
            clients[(account, region)] = first_deployment_client(env, reader, partition, region)
        return clients[(account, region)]

    return client


def _error(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return details.get("Code", ""), details.get("Message", "")


def main(argv: list[str] | None = None, client_factory: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mesh_plan", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mesh-dir",
        help="folder with mesh.yaml; default: MESH_DIR, else cdk.json's context.mesh_dir, else environments",
    )
    parser.add_argument(
        "--target", type=Path, help="a synthesized cloud assembly; default: synthesize the working tree"
    )
    parser.add_argument("--baseline", default="git", help="git, git:REV, deployed, or a cloud assembly folder")
    parser.add_argument("--json", type=Path, default=Path("plan.json"), help="where to write the plan for tools")
    args = parser.parse_args(argv)
    try:
        folder = resolve_mesh_dir(args.mesh_dir)
        mesh_dir = folder.path
        config = load_mesh(mesh_dir)
        with tempfile.TemporaryDirectory(prefix="mesh-plan-target-") as tmp:
            # The app runs in the repository root: the folder as an absolute path, wherever the plan runs.
            here = str(Path(mesh_dir).resolve())
            target = read_assembly(args.target) if args.target else synthesize(ROOT, here, Path(tmp) / "out")
        env_names = {e.name for e in config.environments} | {ORGANIZATION}
        envs = environments_of(config, target)
        target = {n: s for n, s in target.items() if envs[n] in env_names}  # not the pipeline's own stack
        notes: list[str] = []
        if args.baseline == "deployed":
            baseline = deployed_baseline(target, client_factory or role_client_factory(config))
            side = (
                "the templates deployed in each environment's account (read through <org>-<env>-mesh-plan-reader; "
                "the organisation's stacks through their account's bootstrap lookup role)"
            )
            notes += [] if baseline else [EMPTY_DEPLOYED_NOTE]
        elif args.baseline.startswith("git"):
            _, _, revision = args.baseline.partition(":")
            commit, how = choose_revision(revision)
            side = git_side(commit, how)
            if folder_in_revision(commit, mesh_dir):
                baseline = git_baseline(commit, mesh_dir)
                notes += [] if repository_path(mesh_dir) else [outside_note(mesh_dir, commit)]
            else:
                baseline, notes = {}, [new_folder_note(mesh_dir, commit)]
        else:
            baseline = read_assembly(Path(args.baseline))
            side = f"the cloud assembly {args.baseline}"
    except ConfigError as error:
        print(error.render(), file=sys.stderr)
        return 2
    except BaselineError as error:
        print(f"change plan: {error}", file=sys.stderr)
        return 2
    envs = environments_of(config, {**baseline, **target})
    baseline = {n: s for n, s in baseline.items() if envs.get(n) in env_names}
    if not baseline and not notes:
        notes.append(EMPTY_BASELINE_NOTE)
    target_side = f"the cloud assembly {args.target}" if args.target else "the working tree, synthesized"
    compared = Compared(folder.describe(), side, target_side, tuple(notes))
    changes = with_permission_reasons(plan(baseline, target), baseline, target)
    problems = violations(changes, config.mesh.allow_changes, organization_stack_names(config.mesh.org))
    order = [ORGANIZATION, *(e.name for e in config.environments)]  # the pipeline deploys the organisation first
    print(render(changes, envs, problems, order, compared))
    for entry in unused(changes, config.mesh.allow_changes):
        print(f"note: allow_changes entry {entry.stack}/{entry.resource} matches no change: remove it once deployed")
    args.json.write_text(json.dumps(to_json(changes, envs, problems, compared), indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
