"""`datamesh init [DIR]`: write a new mesh folder (mesh.yaml and one <env>.yaml per environment).

On a terminal it asks for what the options did not give, each question with its default; without
one (CI, scripts) or with --no-input it asks nothing, so `datamesh init DIR` alone writes a mesh
that validates and synthesizes, with placeholder accounts to replace.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from datamesh.starter import comprehensive, minimal
from datamesh.starter.answers import (
    DEFAULT_BUSINESS_UNIT,
    DEFAULT_ENVIRONMENTS,
    DEFAULT_ORG,
    DEFAULT_REGION,
    DEFAULT_USE_CASE,
    PLACEHOLDER_IDENTITY_CENTER_ARN,
    PLACEHOLDER_TOOLS_ACCOUNT,
    Answers,
    EnvironmentAnswers,
    placeholder_account,
    placeholder_accounts,
    problem,
    problems,
)
from mesh_config import ConfigError, load_mesh

DEFAULT_DIR = Path("mesh")

# (question, default, answer kind for problem()) -> the answer; None: ask nothing, take the default.
Ask = Callable[[str, str, str | None], str]


def stdin_is_terminal() -> bool:
    """Whether someone can answer questions (the tests simulate a terminal by replacing this)."""
    return sys.stdin.isatty()


def prompt(question: str, default: str, kind: str | None) -> str:
    """One question on the terminal, asked again until the answer is valid."""

    def checked(value: str) -> str:
        value = value.strip()
        why = problem(kind, value) if kind else None
        if why:
            raise typer.BadParameter(why)
        return value

    return typer.prompt(question, default=default, value_proc=checked)


@dataclass(frozen=True)
class Flags:
    """The options as given; None or empty where the user gave nothing."""

    org: str | None
    environments: str | None
    accounts: list[str]
    regions: list[str]
    identity_center_arns: list[str]
    tools_account: str | None
    business_unit: str | None
    use_case: str | None


def per_environment(option: str, values: list[str], names: list[str], bare_for_all: bool) -> tuple[dict, list[str]]:
    """ENV=VALUE options -> {env: value}; a bare VALUE sets every environment ('*') when allowed."""
    found: dict[str, str] = {}
    errors: list[str] = []
    for value in values:
        env, sep, given = value.partition("=")
        if not sep:
            if bare_for_all or len(names) == 1:
                found["*"] = value.strip()
                continue
            errors.append(f"{option} {value}: write {option} ENV=VALUE, one per environment ({', '.join(names)})")
            continue
        if env.strip() not in names:
            errors.append(f"{option} {value}: '{env}' is not one of the environments ({', '.join(names)})")
            continue
        found[env.strip()] = given.strip()
    return found, errors


def collect(flags: Flags, ask: Ask | None) -> tuple[Answers, list[str]]:
    """The answers from the options, then the questions (``ask``) or the defaults; and the option
    errors found on the way."""

    def value(given: str | None, question: str, default: str, kind: str | None) -> str:
        if given is not None:
            return given.strip()
        return ask(question, default, kind) if ask else default

    org = value(flags.org, "Organisation short name (first part of every resource name)", DEFAULT_ORG, "name")
    listed = value(
        flags.environments,
        "Environments in promotion order, comma-separated",
        ",".join(DEFAULT_ENVIRONMENTS),
        "names",
    )
    names = [n.strip() for n in listed.split(",") if n.strip()]
    accounts, errors = per_environment("--account", flags.accounts, names, bare_for_all=False)
    regions, found = per_environment("--region", flags.regions, names, bare_for_all=True)
    errors += found
    arns, found = per_environment("--identity-center-arn", flags.identity_center_arns, names, bare_for_all=True)
    errors += found

    environments = []
    region, arn = regions.get("*", DEFAULT_REGION), arns.get("*", PLACEHOLDER_IDENTITY_CENTER_ARN)
    for position, name in enumerate(names):
        account = value(
            accounts.get(name, accounts.get("*")), f"{name}: AWS account id", placeholder_account(position), "account"
        )
        # The next environment's questions default to this one's answers: most meshes use one region
        # and one Identity Center instance.
        region = value(regions.get(name, regions.get("*")), f"{name}: region", region, "region")
        arn = value(arns.get(name, arns.get("*")), f"{name}: IAM Identity Center instance ARN", arn, "arn")
        environments.append(EnvironmentAnswers(name, account, region, arn))
    tools = value(
        flags.tools_account,
        "Tools account id (where the pipeline and the console run)",
        PLACEHOLDER_TOOLS_ACCOUNT,
        "account",
    )
    unit = value(flags.business_unit, "First business unit (a domain unit)", DEFAULT_BUSINESS_UNIT, "name")
    use_case = value(flags.use_case, f"First project of {unit}: its use case", DEFAULT_USE_CASE, "name")
    return Answers(org, tuple(environments), tools, unit, use_case), errors


def refusal(directory: Path, force: bool) -> str | None:
    """Why ``directory`` must not be written, or None."""
    if directory.exists() and not directory.is_dir():
        return f"{directory} exists and is not a folder: choose another path"
    if directory.is_dir() and any(directory.iterdir()) and not force:
        return (
            f"{directory} is not empty: choose a new folder, or pass --force to overwrite mesh.yaml and the "
            "environment files in it (other files are left as they are)"
        )
    return None


def render(answers: Answers, directory: Path, full: bool) -> dict[str, str]:
    """File name -> text; raises ConfigError (with ``directory``'s paths) if the mesh would not load."""
    files = (comprehensive if full else minimal).render(answers, directory)
    # Loaded before anything is written, so that a refused mesh (a derived name too long for
    # DataZone, say) leaves the folder untouched.
    with tempfile.TemporaryDirectory(prefix="datamesh-init-") as scratch:
        for name, text in files.items():
            (Path(scratch) / name).write_text(text, encoding="utf-8")
        try:
            load_mesh(scratch)
        except ConfigError as error:
            rendered = error.render().replace(scratch, str(directory))
            raise InitError(f"nothing was written: the mesh these answers make is refused.\n{rendered}") from None
    return files


class InitError(Exception):
    """A problem with the answers, already worded for the user."""


def next_steps(answers: Answers, directory: Path) -> list[str]:
    placeholders = placeholder_accounts()
    accounts = [f"{e.account} ({e.name})" for e in answers.environments if e.account in placeholders]
    if answers.tools_account in placeholders:
        accounts.append(f"{answers.tools_account} (tools)")
    lines = ["Next steps:", f"  1. Replace the placeholders in {directory}/ (they validate, but name nothing real):"]
    if accounts:
        lines.append(f"       account ids {', '.join(accounts)}")
    if any(e.identity_center_instance_arn == PLACEHOLDER_IDENTITY_CENTER_ARN for e in answers.environments):
        lines.append(f"       the IAM Identity Center instance ARN {PLACEHOLDER_IDENTITY_CENTER_ARN}")
    lines += [
        "       the Identity Center group ids (mesh.yaml identity_center.groups)",
        "       each environment's VPC and subnet ids (<env>.yaml network)",
        "       the CodeConnections connection and the repository (mesh.yaml pipeline)",
        "  2. Synthesize from the project folder (validates it too; no AWS credentials needed):",
        f"     make synth MESH_DIR={directory}",
        f"     or: cdk synth -c mesh_dir={directory}",
        "  3. Deploy: bootstrap the accounts and deploy the pipeline (README, Deploying).",
    ]
    return lines


def init_command(
    directory: Annotated[Path, typer.Argument(help="folder to write; created if missing")] = DEFAULT_DIR,
    org: Annotated[str | None, typer.Option(help="organisation short name, e.g. acme")] = None,
    environments: Annotated[
        str | None, typer.Option("--environments", help="environment names in promotion order, e.g. dev,prod")
    ] = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", metavar="ENV=ACCOUNT_ID", help="one environment's account id (repeat it)"),
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", metavar="[ENV=]REGION", help="every environment's region, or one's")
    ] = None,
    identity_center_arn: Annotated[
        list[str] | None,
        typer.Option(
            "--identity-center-arn",
            metavar="[ENV=]ARN",
            help="the Identity Center instance ARN of every environment, or of one",
        ),
    ] = None,
    tools_account: Annotated[
        str | None, typer.Option(help="account of the pipeline and the management console")
    ] = None,
    business_unit: Annotated[str | None, typer.Option(help="the first business unit, e.g. sales")] = None,
    project: Annotated[str | None, typer.Option(help="the first project's use case, e.g. analytics")] = None,
    comprehensive_sample: Annotated[
        bool, typer.Option("--comprehensive", help="a sample that sets and comments every key (two environments+)")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="write into a folder that is not empty")] = False,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="ask nothing, even on a terminal: options and defaults only")
    ] = False,
) -> None:
    """Write a new mesh folder: mesh.yaml and one <env>.yaml per environment.

    On a terminal it asks for what the options leave out; otherwise it uses the options and the
    defaults (placeholder accounts 111111111111, 222222222222 ...), so the folder synthesizes as written.

    Example: datamesh init my-mesh

    Example: datamesh init my-mesh --org acme --account dev=123456789012 --account prod=210987654321

    Example: datamesh init sample --comprehensive --no-input
    """
    refused = refusal(directory, force)
    if refused:
        _fail([refused])
    flags = Flags(
        org, environments, account or [], region or [], identity_center_arn or [], tools_account, business_unit, project
    )
    ask = prompt if stdin_is_terminal() and not no_input else None
    answers, errors = collect(flags, ask)
    errors += problems(answers)
    if comprehensive_sample and len(answers.environments) == 1:
        errors.append(comprehensive.NEEDS_TWO)
    if errors:
        _fail(errors)
    try:
        files = render(answers, directory, comprehensive_sample)
    except (InitError, comprehensive.ComprehensiveNeedsTwoEnvironments) as error:
        _fail([str(error)])
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    except OSError as error:
        _fail([f"cannot write {error.filename or directory}: {error.strerror or error}; choose another folder"])
    kind = "comprehensive sample" if comprehensive_sample else "minimal mesh"
    typer.echo(f"Wrote a {kind} to {directory}/: {', '.join(files)}")
    typer.echo("\n".join(next_steps(answers, directory)))


def _fail(errors: list[str]) -> NoReturn:
    for error in errors:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)
