"""datamesh: run the data mesh day to day (projects, subscriptions, catalog) from a terminal.

Its options (--env, --profile, --output, --mesh-dir, --assume) go before or after the command:
datamesh --env dev projects list and datamesh projects list --env dev are the same. The mesh
folder is --mesh-dir, else the MESH_DIR variable, else cdk.json's context.mesh_dir, else
environments.

Example: datamesh init my-mesh

Example: datamesh --env staging projects list

Example: datamesh --env prod subscriptions inbox finance-reporting

Example: datamesh --env prod subscriptions accept <request-id> --comment "Approved for Q3" --wait

Example: datamesh --env dev --output json catalog search opportunities

Example: datamesh drift --all

Example: datamesh promote check finance-customer360 --from dev --to staging

Example: datamesh projects list --env staging --output json

<request-id> and <subscription-id> stand for ids the inbox and grants commands show.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from datamesh.context import ClientFactory, MeshContext, open_context, pick_environment, session_clients
from datamesh.errors import MeshError
from datamesh.global_options import GlobalOptionsGroup
from datamesh.init_mesh import init_command
from datamesh.services.assets import TABLE_FORMS, AssetService
from datamesh.services.catalog import CatalogService
from datamesh.services.drift import DriftReport, DriftService
from datamesh.services.permissions import PermissionService
from datamesh.services.pipeline import PipelineService
from datamesh.services.products import ProductService
from datamesh.services.projects import ProjectService
from datamesh.services.promotion import PromotionService
from datamesh.services.subscriptions import Grant, SubscriptionService
from datamesh.services.yaml_edits import MeshEditor, YamlEdit
from datamesh.version import package_version
from mesh_config import ConfigError, load_mesh
from mesh_config.mesh_dir import resolve_mesh_dir


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


app = typer.Typer(
    cls=GlobalOptionsGroup, help=__doc__, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False
)
projects_app = typer.Typer(help="Projects of the environment's domain.", no_args_is_help=True)
subscriptions_app = typer.Typer(help="Subscription requests and their grants.", no_args_is_help=True)
catalog_app = typer.Typer(help="The business catalog and its glossaries.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(catalog_app, name="catalog")
pipeline_app = typer.Typer(help="Promotion approvals of the mesh pipeline (tools account).", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
assets_app = typer.Typer(help="Assets of the inventory: details, publication, terms and forms.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
products_app = typer.Typer(help="Data products: tables of one project listed as one unit.", no_args_is_help=True)
app.add_typer(products_app, name="products")
permissions_app = typer.Typer(help="Who may read what: Lake Formation grants and subscribers.", no_args_is_help=True)
app.add_typer(permissions_app, name="permissions")
promote_app = typer.Typer(help="Promotion helpers: what promoting a project changes.", no_args_is_help=True)
app.add_typer(promote_app, name="promote")
app.command("init")(init_command)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@dataclasses.dataclass
class State:
    mesh_dir_option: str | None = None
    env: str | None = None
    profile: str | None = None
    output: Output = Output.TABLE
    assume: bool = True
    # (profile, role ARN to assume or None) -> AWS clients; tests give Stubber-backed real clients.
    clients: Callable[[str | None, str | None], ClientFactory] = session_clients

    @property
    def mesh_dir(self) -> str:
        """--mesh-dir, else MESH_DIR, else cdk.json's context.mesh_dir (mesh_config.mesh_dir)."""
        return resolve_mesh_dir(self.mesh_dir_option).path

    def context(self) -> MeshContext:
        return open_context(load_mesh(self.mesh_dir), self.env, self.clients, self.profile, self.assume)

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


def _print_version(requested: bool) -> None:
    if requested:
        typer.echo(f"datamesh {package_version()}")
        raise typer.Exit()


@app.callback()
def main(
    env: Annotated[str | None, typer.Option("--env", "-e", help="environment name; default: the first")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile of the caller (e.g. an SSO profile)")] = None,
    output: Annotated[Output, typer.Option(help="table or json")] = Output.TABLE,
    mesh_dir: Annotated[
        str | None,
        typer.Option(
            help="folder with mesh.yaml and the environments; default: the MESH_DIR variable, else cdk.json's "
            "context.mesh_dir, else environments"
        ),
    ] = None,
    assume: Annotated[
        bool,
        typer.Option(
            help="assume the environment's management role (<org>-<env>-datamesh-admin|readonly) from the tools "
            "account; --no-assume acts with the profile's own credentials"
        ),
    ] = True,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    STATE.env, STATE.profile, STATE.output, STATE.mesh_dir_option, STATE.assume = env, profile, output, mesh_dir, assume


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
    """Every project of the domain.

    Example: datamesh --env dev projects list
    """
    rows = _run(lambda ctx: ProjectService(ctx).list())
    _show(rows, ["name", "status", "id"], f"Projects in {STATE.env or 'the first environment'}")


@projects_app.command("show")
def projects_show(project: Annotated[str, typer.Argument(help="project key (finance-reporting) or name")]) -> None:
    """A project with its members and environments.

    Example: datamesh projects show finance-reporting
    """
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
    """Requests waiting for a producer's decision.

    Example: datamesh subscriptions inbox finance-reporting
    """
    rows = _run(lambda ctx: SubscriptionService(ctx).inbox(producer, status.upper()))
    _show(rows, ["id", "listing", "requester", "reason", "created_at"], f"{status.upper()} requests for {producer}")


@subscriptions_app.command("accept")
def subscriptions_accept(
    request_id: Annotated[str, typer.Argument(help="the request id (from 'inbox')")],
    comment: Annotated[str, typer.Option(help="decision comment the requester reads")] = "Approved",
    wait: Annotated[bool, typer.Option(help="wait until the grants are complete")] = False,
) -> None:
    """Accept a request, optionally waiting for the grants.

    Example: datamesh subscriptions accept <request-id> --wait
    """

    def accept(ctx: MeshContext) -> str:
        service = SubscriptionService(ctx)
        request = service.accept(request_id, comment)
        if not wait:
            return f"accepted {request.id} ({request.listing} for {request.requester})"
        grants = _wait_for_grants(service, service.subscription_of(request_id))
        return f"accepted {request.id}; {len(grants)} grant(s) complete"

    out.print(_run(accept), markup=False)


def _wait_for_grants(service: SubscriptionService, subscription_id: str) -> list[Grant]:
    """The bounded wait of the service, with the grants' statuses on a spinner."""
    with err.status("waiting for the grants...") as spinner:
        return service.wait_for_grants(
            subscription_id,
            progress=lambda g: spinner.update(f"grants: {', '.join(x.status for x in g) or 'none yet'}"),
        )


@subscriptions_app.command("reject")
def subscriptions_reject(
    request_id: Annotated[str, typer.Argument(help="the request id (from 'inbox')")],
    comment: Annotated[str, typer.Option(help="why: the requester reads it")],
) -> None:
    """Reject a request with a comment.

    Example: datamesh subscriptions reject <request-id> --comment "Use the sample"
    """
    request = _run(lambda ctx: SubscriptionService(ctx).reject(request_id, comment))
    out.print(f"rejected {request.id} ({request.listing} for {request.requester})", markup=False)


@catalog_app.command("search")
def catalog_search(text: Annotated[str, typer.Argument(help="words to search for")]) -> None:
    """Search the published assets.

    Example: datamesh catalog search opportunities
    """
    rows = _run(lambda ctx: CatalogService(ctx).search(text))
    _show(rows, ["name", "description", "glossary_terms", "id"], f"Listings matching '{text}'")


@catalog_app.command("glossaries")
def catalog_glossaries() -> None:
    """The domain's business glossaries.

    Example: datamesh catalog glossaries
    """
    rows = _run(lambda ctx: CatalogService(ctx).glossaries())
    _show(rows, ["name", "status", "id"], "Glossaries")


@catalog_app.command("terms")
def catalog_terms(
    glossary: Annotated[str, typer.Argument(help="glossary name, e.g. acme-enterprise-glossary")],
) -> None:
    """The terms of a glossary.

    Example: datamesh catalog terms finance-glossary
    """
    rows = _run(lambda ctx: CatalogService(ctx).terms(glossary))
    _show(rows, ["name", "short_description"], f"Terms of {glossary}")


@catalog_app.command("export-glossary")
def catalog_export(glossary: Annotated[str, typer.Argument(help="glossary name")]) -> None:
    """A glossary's terms as CSV on standard output.

    Example: datamesh catalog export-glossary finance-glossary
    """
    sys.stdout.write(_run(lambda ctx: CatalogService(ctx).export_csv(glossary)))


@pipeline_app.command("approvals")
def pipeline_approvals() -> None:
    """Promotions waiting for a manual approval, and who must approve.

    Example: datamesh pipeline approvals
    """
    rows = _guard(lambda: STATE.pipeline().pending())
    _show(rows, ["environment", "approvers", "waiting_since", "stage"], "Pending promotion approvals")


@pipeline_app.command("approve")
def pipeline_approve(
    environment: Annotated[str, typer.Argument(help="the environment whose promotion waits, e.g. prod")],
    comment: Annotated[str, typer.Option(help="why: kept in the pipeline's history")],
) -> None:
    """Approve a waiting promotion.

    Example: datamesh pipeline approve prod --comment "CAB-1234 approved"
    """
    _decide_promotion(environment, True, comment)


@pipeline_app.command("reject")
def pipeline_reject(
    environment: Annotated[str, typer.Argument(help="the environment whose promotion waits, e.g. prod")],
    comment: Annotated[str, typer.Option(help="why: kept in the pipeline's history")],
) -> None:
    """Reject a waiting promotion.

    Example: datamesh pipeline reject prod --comment "Wait for the freeze"
    """
    _decide_promotion(environment, False, comment)


def _decide_promotion(environment: str, approve: bool, comment: str) -> None:
    pending = _guard(lambda: STATE.pipeline(environment).decide(environment, approve, comment))
    out.print(f"{'approved' if approve else 'rejected'} the promotion into {pending.environment}", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="a loopback address: 127.0.0.1, ::1 or localhost")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8765,
) -> None:
    """The REST API (/api/v1, docs at /docs) and the web console, on this machine, with your credentials.

    It prints the address to open, on a random <nonce>.localhost name with a one-time sign-in code, and
    the API token for API clients (docs/console-security.md).

    Example: datamesh --profile tools-admin serve --port 8765
    """
    from datamesh.aws_access import check_profile
    from datamesh.context import console_clients
    from datamesh.web import listener
    from datamesh.web.app import allowed_hosts, console_host, create_app, is_loopback, url_host
    from datamesh.web.environments import Environments
    from datamesh.web.security import Guard

    if not is_loopback(host):
        err.print(
            f"error: --host {host} is not a loopback address: the console acts with your credentials and listens on "
            "this machine only (README, 'Hosting the console' for a shared deployment)",
            markup=False,
        )
        raise typer.Exit(1)
    config = _guard(lambda: load_mesh(STATE.mesh_dir))
    _guard(lambda: check_profile(STATE.profile))  # at start, not on every page
    err.print(f"mesh folder: {resolve_mesh_dir(STATE.mesh_dir_option).describe()}", markup=False)
    console = console_host(host)
    guard = Guard(console_host=console)
    hosts = [*allowed_hosts(host), console]
    clients = console_clients if STATE.clients is session_clients else STATE.clients  # bounded waits
    app_ = create_app(Environments(config, clients, STATE.profile, STATE.assume), guard, hosts)
    sock = _guard(lambda: listener.listen(host, port))  # before any secret is printed
    site = f"http://{console}:{port}"
    err.print(f"datamesh console: open {site}/login?code={guard.sign_in_code}", markup=False)
    if console == url_host(host):
        err.print(f"note: {host} shares its cookies with every server on it; prefer 127.0.0.1 or ::1", markup=False)
    err.print(f"API: send 'Authorization: Bearer {guard.token}' to http://{url_host(host)}:{port}/api/v1", markup=False)
    err.print(f"API docs: {site}/docs (once signed in)", markup=False)
    listener.run(app_, sock)


# --- YAML edits: what the YAML owns changes in the YAML -------------------------------------


DRY_RUN = typer.Option("--dry-run", help="show the diff without writing the file")


def _edited(edit: Callable[[MeshEditor], YamlEdit], dry_run: bool) -> None:
    result = _guard(lambda: edit(MeshEditor(STATE.mesh_dir)))
    if not result.changed:
        out.print("nothing to change", markup=False)
        return
    out.print(result.diff, markup=False, highlight=False, end="")
    if dry_run:
        out.print("(dry run: nothing written)", markup=False)
    else:
        out.print(f"{result.file} updated and valid: review, commit, and the pipeline deploys it", markup=False)


@projects_app.command("new")
def projects_new(
    domain_unit: Annotated[str, typer.Argument(help="the project's domain unit id, e.g. finance")],
    use_case: Annotated[str, typer.Argument(help="the use case, e.g. treasury")],
    profile: Annotated[str, typer.Option(help="project profile capability, e.g. sql-analytics")],
    description: Annotated[str, typer.Option(help="what the project is for")],
    owner: Annotated[list[str], typer.Option(help="owner group (repeatable)")],
    contributor: Annotated[list[str] | None, typer.Option(help="contributor group (repeatable)")] = None,
    environment: Annotated[list[str] | None, typer.Option(help="only in these environments (repeatable)")] = None,
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> None:
    """Declare a project in mesh.yaml (validated, shown as a diff).

    Example: datamesh projects new finance treasury --profile sql-analytics --description "Cash forecasting"
    --owner finance-team-leads --contributor finance-analysts"""
    _edited(
        lambda editor: editor.new_project(
            domain_unit=domain_unit,
            use_case=use_case,
            profile=profile,
            description=description,
            owners=owner,
            contributors=contributor,
            environments=environment,
            write=not dry_run,
        ),
        dry_run,
    )


@projects_app.command("add-member")
def projects_add_member(
    project: Annotated[str, typer.Argument(help="project key, e.g. sales-analytics")],
    group: Annotated[str, typer.Argument(help="group name from mesh.yaml identity_center.groups")],
    owner: Annotated[bool, typer.Option("--owner/--contributor", help="designation")] = False,
    environment: Annotated[list[str] | None, typer.Option(help="only in these environments (repeatable)")] = None,
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> None:
    """Add a group to a project in mesh.yaml.

    Example: datamesh projects add-member sales-analytics data-scientists
    """
    _edited(lambda e: e.add_member(project, group, owner=owner, environments=environment, write=not dry_run), dry_run)


@projects_app.command("remove-member")
def projects_remove_member(
    project: Annotated[str, typer.Argument(help="project key, e.g. finance-reporting")],
    group: Annotated[str, typer.Argument(help="group name")],
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> None:
    """Remove a group from a project in mesh.yaml.

    Example: datamesh projects remove-member finance-reporting finance-analysts
    """
    _edited(lambda e: e.remove_member(project, group, write=not dry_run), dry_run)


@catalog_app.command("import-glossary")
def catalog_import(
    glossary: Annotated[str, typer.Argument(help="glossary name (finance-glossary) or scope (finance)")],
    csv_file: Annotated[
        typer.FileBinaryRead,
        typer.Argument(help="CSV with name,short_description,long_description (',' ';' or tab; UTF-8, BOM allowed)"),
    ],
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> None:
    """Merge terms from CSV into a glossary of mesh.yaml.

    Example: datamesh catalog import-glossary finance terms.csv
    """
    # Bytes: the CSV reader decodes (UTF-8 with or without Excel's byte-order mark) and names the file.
    data, source = csv_file.read(), csv_file.name
    _edited(lambda e: e.import_glossary(glossary, data, source=source, write=not dry_run), dry_run)


# --- Assets and permissions --------------------------------------------------------------


@assets_app.command("search")
def assets_search(text: Annotated[str, typer.Argument(help="words to search the inventory for")]) -> None:
    """Assets of the inventory, published or not.

    Example: datamesh assets search transactions
    """
    rows = _run(lambda ctx: AssetService(ctx).search(text))
    _show(rows, ["name", "owning_project_id", "id"], f"Assets matching '{text}'")


@assets_app.command("show")
def assets_show(name: Annotated[str, typer.Argument(help="asset name, e.g. finance_gl_transactions_table")]) -> None:
    """An asset's columns (PII flagged), terms, forms and listing.

    Example: datamesh assets show finance_gl_transactions_table
    """
    details = _run(lambda ctx: AssetService(ctx).show(name))
    if STATE.output is Output.JSON:
        out.print_json(json.dumps(dataclasses.asdict(details), default=str))
        return
    listing = details.listing_status or "not published"
    out.print(f"{details.asset.name}  ({details.asset.id}, revision {details.revision}, {listing})", markup=False)
    if details.declared_in:
        out.print(f"declared in {details.declared_in}", markup=False)
    table = Table(title="Columns")
    for column in ("name", "type", "pii", "description"):
        table.add_column(column)
    for c in details.columns:
        table.add_row(c.name, c.type, "PII" if c.pii else "", c.description)
    out.print(table)
    out.print(f"glossary terms: {', '.join(details.glossary_terms) or 'none'}", markup=False)
    for form in details.forms:
        if form.name not in TABLE_FORMS:
            out.print(f"form {form.name}: {json.dumps(form.content)}", markup=False, highlight=False)


@products_app.command("list")
def products_list() -> None:
    """Data products of the environment, with the revision the catalog lists.

    Example: datamesh products list
    """
    rows = _run(lambda ctx: ProductService(ctx).list())
    _show(rows, ["name", "owning_project_id", "listed_revision", "declared_in", "id"], "Data products")


@products_app.command("show")
def products_show(name: Annotated[str, typer.Argument(help="data product name, e.g. customer360")]) -> None:
    """A data product's assets, glossary terms, forms and listing.

    Example: datamesh products show customer360
    """
    details = _run(lambda ctx: ProductService(ctx).show(name))
    if STATE.output is Output.JSON:
        out.print_json(json.dumps({**dataclasses.asdict(details), "published": details.published}, default=str))
        return
    listing = "published" if details.published else f"listed at revision {details.product.listed_revision or 'none'}"
    out.print(f"{details.product.name}  ({details.product.id}, revision {details.revision}, {listing})", markup=False)
    if details.product.declared_in:
        out.print(f"declared in {details.product.declared_in}", markup=False)
    table = Table(title="Assets")
    table.add_column("name")
    table.add_column("id")
    for item in details.items:
        table.add_row(item.asset_name, item.asset_id)
    out.print(table)
    out.print(f"glossary terms: {', '.join(details.glossary_term_names) or 'none'}", markup=False)
    for form, content in details.forms.items():
        out.print(f"form {form}: {json.dumps(content)}", markup=False, highlight=False)


@assets_app.command("publish")
def assets_publish(name: Annotated[str, typer.Argument(help="asset name")]) -> None:
    """Publish an asset the YAML does not declare.

    Example: datamesh assets publish adhoc_churn_scores
    """
    out.print(f"publishing {name}: {_run(lambda ctx: AssetService(ctx).publish(name))}", markup=False)


@assets_app.command("unpublish")
def assets_unpublish(name: Annotated[str, typer.Argument(help="asset name")]) -> None:
    """Withdraw an asset's listing (the YAML's own tables: edit 'published').

    Example: datamesh assets unpublish adhoc_churn_scores
    """
    out.print(f"unpublishing {name}: {_run(lambda ctx: AssetService(ctx).unpublish(name))}", markup=False)


@assets_app.command("add-terms")
def assets_add_terms(
    name: Annotated[str, typer.Argument(help="asset name")],
    term: Annotated[list[str], typer.Option(help="<glossary>/<term> (repeatable)")],
) -> None:
    """Attach glossary terms.

    Example: datamesh assets add-terms adhoc_churn_scores --term acme-enterprise-glossary/Customer
    """
    details = _run(lambda ctx: AssetService(ctx).attach_terms(name, term))
    out.print(f"{details.asset.name}: revision {details.revision}, {len(details.glossary_terms)} term(s)", markup=False)


@assets_app.command("set-form")
def assets_set_form(
    name: Annotated[str, typer.Argument(help="asset name")],
    form: Annotated[str, typer.Argument(help="form name attached to the asset")],
    value: Annotated[list[str], typer.Option(help="field=value (repeatable)")],
) -> None:
    """Set metadata form fields.

    Example: datamesh assets set-form adhoc_churn_scores DataQuality --value quality_score=97
    """
    values: dict[str, Any] = {}
    for entry in value:
        field, sep, text = entry.partition("=")
        if not sep:
            err.print(f"error: '{entry}': give each value as field=value", markup=False)
            raise typer.Exit(1)
        values[field] = _typed(text)
    details = _run(lambda ctx: AssetService(ctx).set_form(name, form, values))
    out.print(f"{details.asset.name}: revision {details.revision}", markup=False)


def _typed(text: str) -> Any:
    """JSON values (numbers, true/false) as such; anything else as text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@permissions_app.command("table")
def permissions_table(
    table: Annotated[str, typer.Argument(help="asset name from the YAML, or <database>.<table>")],
) -> None:
    """Lake Formation grants on a table.

    Example: datamesh --env prod permissions table finance_gl_transactions_table
    """
    rows = _run(lambda ctx: PermissionService(ctx).table_grants(table))
    _show(rows, ["principal", "permissions", "grantable", "columns", "excluded_columns"], f"Grants on {table}")


@permissions_app.command("asset")
def permissions_asset(name: Annotated[str, typer.Argument(help="asset name")]) -> None:
    """Projects that can query an asset.

    Example: datamesh permissions asset finance_gl_transactions_table
    """
    rows = _run(lambda ctx: PermissionService(ctx).viewers(name))
    _show(rows, ["project", "how", "since"], f"Who can see {name}")


@subscriptions_app.command("request")
def subscriptions_request(
    listing: Annotated[str, typer.Argument(help="published asset name or listing id")],
    consumer: Annotated[str, typer.Option(help="the subscribing project (key or name)")],
    reason: Annotated[str, typer.Option(help="why: the producer reads it")],
) -> None:
    """Request a subscription.

    Example: datamesh subscriptions request finance_pnl_reports_table --consumer sales-analytics --reason "Q3 forecast"
    """
    request = _run(lambda ctx: SubscriptionService(ctx).request(listing, consumer, reason))
    out.print(f"requested {request.listing} for {request.requester}: {request.id} ({request.status})", markup=False)


@subscriptions_app.command("requests")
def subscriptions_requests(
    consumer: Annotated[str, typer.Argument(help="the subscribing project (key or name)")],
    status: Annotated[str, typer.Option(help="PENDING, ACCEPTED or REJECTED")] = "PENDING",
) -> None:
    """Requests a consumer made.

    Example: datamesh subscriptions requests sales-analytics --status ACCEPTED
    """
    rows = _run(lambda ctx: SubscriptionService(ctx).requests_of(consumer, status.upper()))
    _show(rows, ["id", "listing", "status", "reason", "created_at"], f"{status.upper()} requests of {consumer}")


@subscriptions_app.command("grants")
def subscriptions_grants(
    subscription_id: Annotated[str, typer.Argument(help="subscription id")],
    wait: Annotated[bool, typer.Option(help="wait until every grant is complete")] = False,
) -> None:
    """A subscription's grants.

    Example: datamesh subscriptions grants <subscription-id> --wait
    """

    def grants(ctx: MeshContext) -> Any:
        service = SubscriptionService(ctx)
        return _wait_for_grants(service, subscription_id) if wait else service.grants(subscription_id)

    _show(_run(grants), ["id", "status", "failures"], f"Grants of {subscription_id}")


@subscriptions_app.command("revoke")
def subscriptions_revoke(subscription_id: Annotated[str, typer.Argument(help="subscription id")]) -> None:
    """Revoke a subscription and its grants.

    Example: datamesh subscriptions revoke <subscription-id>
    """
    _run(lambda ctx: SubscriptionService(ctx).revoke(subscription_id))
    out.print(f"revoked {subscription_id}", markup=False)


# --- Drift and promotion ------------------------------------------------------------------


@app.command("drift")
def drift(
    all_environments: Annotated[bool, typer.Option("--all", help="every environment, in promotion order")] = False,
) -> None:
    """What the YAML declares against what exists in each domain.  Example: datamesh drift --all

    Exit code 2 when something drifted, so that a scheduled job can alert."""
    config = _guard(lambda: load_mesh(STATE.mesh_dir))
    names = [e.name for e in config.environments] if all_environments else [STATE.env]
    reports: list[DriftReport] = []
    for name in names:
        STATE.env = name
        with err.status(f"comparing {name or 'the first environment'} with the YAML..."):
            reports.append(_run(lambda ctx: DriftService(ctx).report()))
    if STATE.output is Output.JSON:
        out.print_json(json.dumps([dataclasses.asdict(r) for r in reports], default=str))
    else:
        for report in reports:
            if report.clean:
                out.print(f"{report.environment}: no drift ({report.domain_id})", markup=False)
            else:
                _show(report.items, ["kind", "name", "state", "detail"], f"Drift in {report.environment}")
    if any(not r.clean for r in reports):
        raise typer.Exit(2)


@promote_app.command("check")
def promote_check(
    project: Annotated[str, typer.Argument(help="project key, e.g. finance-customer360")],
    source: Annotated[str, typer.Option("--from", help="environment it is validated in, e.g. dev")],
    target: Annotated[str, typer.Option("--to", help="environment it is promoted into, e.g. staging")],
) -> None:
    """What promoting a project will change.

    Example: datamesh promote check finance-customer360 --from dev --to staging
    """

    def check() -> Any:
        STATE.env = source
        source_ctx = STATE.context()
        STATE.env = target
        target_ctx = STATE.context()
        with err.status(f"reading {project} in {source} and {target}..."):
            return PromotionService(source_ctx, target_ctx).check(project)

    result = _guard(check)
    if STATE.output is Output.JSON:
        out.print_json(json.dumps(dataclasses.asdict(result), default=str))
        return
    if not result.changes:
        out.print(f"{project}: {target} already matches {source}; the promotion changes nothing", markup=False)
        return
    _show(
        result.changes,
        ["aspect", "item", "change", "source", "target"],
        f"Promoting {project} from {source} to {target} will",
    )


@app.command("export")
def export(
    directory: Annotated[str | None, typer.Argument(help="folder to write; default: --mesh-dir")] = None,
    env: Annotated[str | None, typer.Option("--env", "-e", help="environment name of the written files")] = None,
    domain_id: Annotated[str | None, typer.Option(help="the domain, when DIR holds no mesh yet (dzd_...)")] = None,
    region: Annotated[str | None, typer.Option(help="the domain's region, with --domain-id")] = None,
    org: Annotated[str | None, typer.Option(help="organisation of a new mesh; default: from the domain name")] = None,
    force: Annotated[bool, typer.Option(help="overwrite existing files (commit them first)")] = False,
) -> None:
    """Write the mesh YAML describing an existing domain (docs/adopting-an-existing-domain.md).

    Example: datamesh export --env dev --domain-id dzd_abc123 --region eu-west-1 adopted
    """
    from datamesh.export.runner import ExportRequest, run_export

    request = ExportRequest(Path(directory or STATE.mesh_dir), env or STATE.env or "", domain_id, region, org, force)
    if not request.env:
        err.print("error: name the environment with --env (e.g. --env dev)", markup=False)
        raise typer.Exit(1)
    with err.status(f"reading domain {domain_id or 'of ' + request.env}..."):
        outcome = _guard(lambda: run_export(request, STATE.clients, STATE.profile))
    for path in outcome.written.files:
        out.print(f"wrote {path}", markup=False)
    written = outcome.written
    if written.kept or written.replaced:
        out.print(f"kept as they were: {', '.join(written.kept)}", markup=False)
        out.print(f"replaced by what the domain holds: {', '.join(written.replaced)}", markup=False)
    if written.comments_lost:
        err.print(
            f"the kept sections are written as data, without their comments: {written.comments_lost}", markup=False
        )
    out.print(f"{written.notes} 'export:' comment(s) to review", markup=False)
    if outcome.problems is not None:
        err.print("the loader reports what to complete before the mesh deploys:", markup=False)
        err.print(outcome.problems.render(), markup=False)
        raise typer.Exit(1)
    out.print(f"{request.directory} is a valid mesh: review it, then adopt the domain's objects", markup=False)


if __name__ == "__main__":
    app()
