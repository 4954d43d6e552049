"""datamesh: run the data mesh day to day (projects, subscriptions, catalog) from a terminal.

Example: datamesh --env staging projects list

Example: datamesh --env prod subscriptions inbox finance-reporting

Example: datamesh --env prod subscriptions accept REQUEST_ID --comment "Approved for Q3" --wait

Example: datamesh --env dev --output json catalog search opportunities
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from datamesh.context import ClientFactory, MeshContext, pick_environment, session_clients
from datamesh.errors import MeshError
from datamesh.services.catalog import CatalogService
from datamesh.services.pipeline import PipelineService
from datamesh.services.projects import ProjectService
from datamesh.services.subscriptions import SubscriptionService
from mesh_config import ConfigError, load_mesh


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False)
projects_app = typer.Typer(help="Projects of the environment's domain.", no_args_is_help=True)
subscriptions_app = typer.Typer(help="Subscription requests and their grants.", no_args_is_help=True)
catalog_app = typer.Typer(help="The business catalog and its glossaries.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(catalog_app, name="catalog")
pipeline_app = typer.Typer(help="Promotion approvals of the mesh pipeline (tools account).", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclasses.dataclass
class State:
    mesh_dir: str = "environments"
    env: str | None = None
    profile: str | None = None
    output: Output = Output.TABLE
    assume: bool = True
    # (profile, role ARN to assume or None) -> AWS clients; tests give Stubber-backed real clients.
    clients: Callable[[str | None, str | None], ClientFactory] = session_clients

    def context(self) -> MeshContext:
        config = load_mesh(self.mesh_dir)
        env = pick_environment(config, self.env)
        role = config.management_role_arn(env) if self.assume and config.tools_account(env) else None
        return MeshContext(config, env, self.clients(self.profile, role))

    def pipeline(self, deciding_for: str | None = None) -> PipelineService:
        """The pipeline's approvals; deciding for an environment assumes its approver role, the only
        principal allowed to approve there."""
        config = load_mesh(self.mesh_dir)
        if config.mesh.pipeline is None:
            raise MeshError("this mesh has no pipeline (mesh.yaml 'pipeline')")
        role = None
        if deciding_for is not None and self.assume:
            role = config.approver_role_arn(pick_environment(config, deciding_for))
        client = self.clients(self.profile, role)("codepipeline", config.mesh.pipeline.region)
        return PipelineService(config, client)


STATE = State()


@app.callback()
def main(
    env: Annotated[str | None, typer.Option("--env", "-e", help="environment name; default: the first")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile of the caller (e.g. an SSO profile)")] = None,
    output: Annotated[Output, typer.Option(help="table or json")] = Output.TABLE,
    mesh_dir: Annotated[str, typer.Option(help="folder with mesh.yaml and the environments")] = "environments",
    assume: Annotated[
        bool,
        typer.Option(
            help="assume the environment's management role (<org>-<env>-datamesh-admin|readonly) from the tools "
            "account; --no-assume acts with the profile's own credentials"
        ),
    ] = True,
) -> None:
    STATE.env, STATE.profile, STATE.output, STATE.mesh_dir, STATE.assume = env, profile, output, mesh_dir, assume


def _run(action: Callable[[MeshContext], Any]) -> Any:
    """The action with the environment's context; every known failure becomes one line and exit 1."""
    return _guard(lambda: action(STATE.context()))


def _guard(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except ConfigError as error:
        err.print(error.render(), markup=False)
    except MeshError as error:
        err.print(f"error: {error}", markup=False)
    raise typer.Exit(1)


def _show(rows: Sequence[Any], columns: Sequence[str], title: str) -> None:
    if STATE.output is Output.JSON:
        out.print_json(json.dumps([dataclasses.asdict(r) for r in rows], default=str))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        values = dataclasses.asdict(row)
        table.add_row(*(_cell(values, c) for c in columns))
    out.print(table)


def _cell(values: dict[str, Any], column: str) -> str:
    value: Any = values
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


@projects_app.command("list")
def projects_list() -> None:
    """Every project of the domain.  Example: datamesh --env dev projects list"""
    rows = _run(lambda ctx: ProjectService(ctx).list())
    _show(rows, ["name", "status", "id"], f"Projects in {STATE.env or 'the first environment'}")


@projects_app.command("show")
def projects_show(project: Annotated[str, typer.Argument(help="project key (finance-reporting) or name")]) -> None:
    """A project with its members and environments.  Example: datamesh projects show finance-reporting"""
    details = _run(lambda ctx: ProjectService(ctx).show(project))
    if STATE.output is Output.JSON:
        out.print_json(json.dumps(dataclasses.asdict(details), default=str))
        return
    out.print(f"{details.project.name}  ({details.project.id}, {details.project.status})", markup=False)
    out.print(details.description or "(no description)", markup=False)
    _show(details.members, ["kind", "id", "designation"], "Members")
    table = Table(title="Environments")
    table.add_column("name")
    table.add_column("status")
    for name, status in details.environments:
        table.add_row(name, status)
    out.print(table)


@subscriptions_app.command("inbox")
def subscriptions_inbox(
    producer: Annotated[str, typer.Argument(help="the publishing project (key or name) that decides")],
    status: Annotated[str, typer.Option(help="PENDING, ACCEPTED or REJECTED")] = "PENDING",
) -> None:
    """Requests waiting for a producer's decision.  Example: datamesh subscriptions inbox finance-reporting"""
    rows = _run(lambda ctx: SubscriptionService(ctx).inbox(producer, status.upper()))
    _show(rows, ["id", "listing", "requester", "reason", "created_at"], f"{status.upper()} requests for {producer}")


@subscriptions_app.command("accept")
def subscriptions_accept(
    request_id: Annotated[str, typer.Argument(help="the request id (from 'inbox')")],
    comment: Annotated[str, typer.Option(help="decision comment the requester reads")] = "Approved",
    wait: Annotated[bool, typer.Option(help="wait until the grants are complete")] = False,
) -> None:
    """Accept a request, optionally waiting for the grants.  Example: datamesh subscriptions accept <id> --wait"""

    def accept(ctx: MeshContext) -> str:
        service = SubscriptionService(ctx)
        request = service.accept(request_id, comment)
        if not wait:
            return f"accepted {request.id} ({request.listing} for {request.requester})"
        subscription = service.subscription_of(request_id)
        with err.status("waiting for the grants...") as spinner:
            grants = service.wait_for_grants(
                subscription,
                progress=lambda g: spinner.update(f"grants: {', '.join(x.status for x in g) or 'none yet'}"),
            )
        return f"accepted {request.id}; {len(grants)} grant(s) complete"

    out.print(_run(accept), markup=False)


@subscriptions_app.command("reject")
def subscriptions_reject(
    request_id: Annotated[str, typer.Argument(help="the request id (from 'inbox')")],
    comment: Annotated[str, typer.Option(help="why: the requester reads it")],
) -> None:
    """Reject a request with a comment.  Example: datamesh subscriptions reject <id> --comment "Use the sample" """
    request = _run(lambda ctx: SubscriptionService(ctx).reject(request_id, comment))
    out.print(f"rejected {request.id} ({request.listing} for {request.requester})", markup=False)


@catalog_app.command("search")
def catalog_search(text: Annotated[str, typer.Argument(help="words to search for")]) -> None:
    """Search the published assets.  Example: datamesh catalog search opportunities"""
    rows = _run(lambda ctx: CatalogService(ctx).search(text))
    _show(rows, ["name", "description", "glossary_terms", "id"], f"Listings matching '{text}'")


@catalog_app.command("glossaries")
def catalog_glossaries() -> None:
    """The domain's business glossaries.  Example: datamesh catalog glossaries"""
    rows = _run(lambda ctx: CatalogService(ctx).glossaries())
    _show(rows, ["name", "status", "id"], "Glossaries")


@catalog_app.command("terms")
def catalog_terms(
    glossary: Annotated[str, typer.Argument(help="glossary name, e.g. acme-enterprise-glossary")],
) -> None:
    """The terms of a glossary.  Example: datamesh catalog terms finance-glossary"""
    rows = _run(lambda ctx: CatalogService(ctx).terms(glossary))
    _show(rows, ["name", "short_description"], f"Terms of {glossary}")


@catalog_app.command("export-glossary")
def catalog_export(glossary: Annotated[str, typer.Argument(help="glossary name")]) -> None:
    """A glossary's terms as CSV on standard output.  Example: datamesh catalog export-glossary finance-glossary"""
    sys.stdout.write(_run(lambda ctx: CatalogService(ctx).export_csv(glossary)))


@pipeline_app.command("approvals")
def pipeline_approvals() -> None:
    """Promotions waiting for a manual approval, and who must approve.  Example: datamesh pipeline approvals"""
    rows = _guard(lambda: STATE.pipeline().pending())
    _show(rows, ["environment", "approvers", "waiting_since", "stage"], "Pending promotion approvals")


@pipeline_app.command("approve")
def pipeline_approve(
    environment: Annotated[str, typer.Argument(help="the environment whose promotion waits, e.g. prod")],
    comment: Annotated[str, typer.Option(help="why: kept in the pipeline's history")],
) -> None:
    """Approve a waiting promotion.  Example: datamesh pipeline approve prod --comment "CAB-1234 approved" """
    _decide_promotion(environment, True, comment)


@pipeline_app.command("reject")
def pipeline_reject(
    environment: Annotated[str, typer.Argument(help="the environment whose promotion waits, e.g. prod")],
    comment: Annotated[str, typer.Option(help="why: kept in the pipeline's history")],
) -> None:
    """Reject a waiting promotion.  Example: datamesh pipeline reject prod --comment "Wait for the freeze" """
    _decide_promotion(environment, False, comment)


def _decide_promotion(environment: str, approve: bool, comment: str) -> None:
    pending = _guard(lambda: STATE.pipeline(environment).decide(environment, approve, comment))
    out.print(f"{'approved' if approve else 'rejected'} the promotion into {pending.environment}", markup=False)


if __name__ == "__main__":
    app()
