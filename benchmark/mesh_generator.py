"""Generated meshes for the synth benchmark: the bundled example plus business units, team units,
projects, catalogs and subscriptions at a declared scale, and the `layout` counts that make it valid.

The generator never guesses a layout: it asks the validation (mesh_config.load_mesh) and applies
the counts its refusals name ("set layout.<field>: <N> in mesh.yaml"), so the benchmark measures
the layout a user following the error messages would end up with.
"""

from __future__ import annotations

import copy
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = ROOT / "environments"

# Groups and profile taken from the example, so the generated parts add no identity or profile of
# their own (their cost is the mesh's growth, not new fixed parts).
UNIT_GROUPS = ("data-engineers",)
PROJECT_PROFILE = "sql-analytics"  # deploys Tooling and DataLake on create: a valid producer and consumer
PROJECT_OWNERS = ("data-engineers",)
PROJECT_CONTRIBUTORS = ("finance-analysts", "executives")
TABLE_COLUMNS = (
    {"name": "id", "type": "string", "description": "Row id"},
    {"name": "customer_email", "type": "string", "description": "Contact", "pii": True},
    {"name": "amount", "type": "decimal(18,2)", "description": "Amount"},
    {"name": "tags", "type": "array<string>", "description": "Labels"},
)
PARTITION_KEYS = ({"name": "day", "type": "date", "description": "Load day"},)

# The layout search stops after this many validations: each round applies every count the
# refusals asked for, so a mesh needs one or two; more means the fixes do not converge.
MAX_LAYOUT_ATTEMPTS = 8
LAYOUT_FIX = re.compile(r"set layout\.(\w+): (\d+)")


@dataclass(frozen=True)
class Shape:
    """What a generated mesh adds to the example, per environment (every environment alike)."""

    business_units: int
    projects: int
    tables_per_unit: int = 10
    subscriptions: int = 50
    # Each business unit gets this many team units (<bu>-team<n>); projects spread evenly over the
    # business units and their teams.
    teams_per_unit: int = 1
    # `layout` counts set before the search, for the choices validation does not make: it never asks for
    # membership stacks (memberships fit the projects stacks at any scale, in more of them).
    layout: dict[str, int] = field(default_factory=dict, hash=False)

    @property
    def units(self) -> int:
        return self.business_units * (1 + self.teams_per_unit)


# The benchmark's generated cases (the brief's scale targets).
SHAPES: dict[str, Shape] = {
    "1000": Shape(business_units=20, projects=1000, tables_per_unit=10, subscriptions=50),
    # membership_stacks: with its memberships in its projects stack a project is four resources, and the
    # 5 006 projects need 64 projects stacks, more than a pipeline stage holds beside the foundation and
    # the domain (7 sequential deployments instead of 6). With them in members stacks a projects stack is
    # bound by its outputs, one project id each (36 stacks at validation's counts), and the 15 058
    # memberships validation estimates per environment need 48 stacks at its 70 % of 450 resources (the
    # count it asks for when membership_stacks is set lower); they deploy beside governance.
    "5000": Shape(
        business_units=200,
        projects=5000,
        tables_per_unit=10,
        subscriptions=500,
        layout={"membership_stacks": 48},
    ),
}


def _unit_ids(shape: Shape) -> list[tuple[str, list[str]]]:
    """(business unit, its team units) of the generated tree; ids sort like their numbers."""
    width = len(str(shape.business_units))
    out = []
    for b in range(1, shape.business_units + 1):
        bu = f"gen{b:0{width}d}"
        out.append((bu, [f"{bu}-team{t}" for t in range(1, shape.teams_per_unit + 1)]))
    return out


def generate_mesh(shape: Shape, example_dir: Path = EXAMPLE_DIR) -> dict[str, Any]:
    """The example's mesh.yaml as a dict, with the generated units, projects, catalogs and
    subscriptions appended (the example's own are kept: they carry the glossaries and forms)."""
    mesh = copy.deepcopy(yaml.safe_load((example_dir / "mesh.yaml").read_text()))
    if shape.layout:
        mesh["layout"] = {**(mesh.get("layout") or {}), **shape.layout}
    tree = _unit_ids(shape)
    if shape.subscriptions and shape.business_units < 2:
        raise ValueError("subscriptions across units need at least two business units")
    # Units in the order projects are dealt to them: project i goes to unit i mod len(units).
    flat = [unit for bu, teams in tree for unit in (bu, *teams)]
    for bu, teams in tree:
        mesh["domain_units"].append(
            {
                "id": bu,
                "description": f"Generated business unit {bu}",
                "owners": list(UNIT_GROUPS),
                "project_creators": list(UNIT_GROUPS),
            }
        )
        mesh["domain_units"].extend(
            {"id": team, "parent": bu, "description": f"Generated team of {bu}", "owners": list(UNIT_GROUPS)}
            for team in teams
        )

    width = len(str(shape.projects))
    projects_of: dict[str, list[str]] = {bu: [] for bu, _ in tree}  # business unit -> project keys
    business_unit = {unit: bu for bu, teams in tree for unit in (bu, *teams)}
    for i in range(shape.projects):
        unit = flat[i % len(flat)]
        use_case = f"uc{i + 1:0{width}d}"
        mesh["projects"].append(
            {
                "domain_unit": unit,
                "use_case": use_case,
                "profile": PROJECT_PROFILE,
                "owners": list(PROJECT_OWNERS),
                "contributors": list(PROJECT_CONTRIBUTORS),
            }
        )
        projects_of[business_unit[unit]].append(f"{unit}-{use_case}")

    # One catalog per business unit with projects; its producer is the unit's first project.
    assets: dict[str, list[str]] = {}
    for bu, _ in tree:
        if not projects_of[bu] or not shape.tables_per_unit:
            continue
        tables = [
            {
                "dataset": f"t{t:02d}",
                "description": f"Generated table {t} of {bu}",
                "storage": {"prefix": f"{bu}/t{t:02d}/"},
                "columns": [dict(c) for c in TABLE_COLUMNS],
                "partition_keys": [dict(c) for c in PARTITION_KEYS],
            }
            for t in range(1, shape.tables_per_unit + 1)
        ]
        mesh["catalogs"].append(
            {"business_unit": bu, "owner": projects_of[bu][0], "description": f"{bu} tables", "tables": tables}
        )
        # The asset name the validation resolves subscriptions by (data_products.asset_name).
        assets[bu] = [f"{bu.replace('-', '_')}_{t['dataset']}_table" for t in tables]

    mesh["subscriptions"].extend(_subscriptions(shape, tree, projects_of, assets))
    return mesh


def _subscriptions(
    shape: Shape, tree: list[tuple[str, list[str]]], projects_of: dict[str, list[str]], assets: dict[str, list[str]]
) -> list[dict[str, str]]:
    """Consumers in one business unit subscribed to another unit's tables, dealt round-robin so
    the subscriptions spread over consumers, producers and tables; each (consumer, asset) once."""
    producers = [bu for bu, _ in tree if assets.get(bu)]
    consumers = [bu for bu, _ in tree if projects_of[bu]]
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    j = 0
    while len(out) < shape.subscriptions:
        if j > 100 * max(shape.subscriptions, 1):
            raise ValueError(f"cannot deal {shape.subscriptions} distinct subscriptions over {shape}")
        rnd, k = divmod(j, len(consumers))
        j += 1
        consumer_bu = consumers[k]
        # Another business unit each round: the offset walks 1 .. len(producers) - 1.
        producer_bu = producers[(producers.index(consumer_bu) + 1 + rnd % (len(producers) - 1)) % len(producers)]
        if producer_bu == consumer_bu:
            continue
        # Round r takes the consumer unit's r-th project (never its producer, the first one).
        candidates = projects_of[consumer_bu][1:] or projects_of[consumer_bu]
        consumer = candidates[rnd % len(candidates)]
        asset = assets[producer_bu][rnd % len(assets[producer_bu])]
        if (consumer, asset) in seen:
            continue
        seen.add((consumer, asset))
        out.append({"consumer": consumer, "asset": asset, "reason": f"Generated: {consumer} reads {producer_bu}"})
    return out


def write_mesh(directory: Path, mesh: dict[str, Any], example_dir: Path = EXAMPLE_DIR) -> None:
    """mesh.yaml and the example's environment files in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    # libyaml's dumper when present: the pure-Python one takes a second on a 5 000-project mesh.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    (directory / "mesh.yaml").write_text(yaml.dump(mesh, Dumper=dumper, sort_keys=False, width=200))
    for env in mesh["environments"]:
        shutil.copy(example_dir / f"{env}.yaml", directory / f"{env}.yaml")


@dataclass
class LayoutSearch:
    """The outcome of fitting `layout` to a generated mesh."""

    layout: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    # Per validation round: the counts the refusals asked for (empty on the round that passed).
    rounds: list[dict[str, int]] = field(default_factory=list)
    error: str | None = None  # the last refusal when the search did not converge or hit another issue
    projects_per_env: dict[str, int] = field(default_factory=dict)  # of the valid mesh

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def requested_counts(issues: list[Any]) -> tuple[dict[str, int], list[Any]]:
    """The largest count each `layout.<field>` refusal asks for, and every other issue."""
    wanted: dict[str, int] = {}
    others = []
    for issue in issues:
        match = LAYOUT_FIX.search(issue.fix) if issue.path.startswith("layout.") else None
        if match is None:
            others.append(issue)
            continue
        name, count = match.group(1), int(match.group(2))
        wanted[name] = max(wanted.get(name, 0), count)
    return wanted, others


def fit_layout(directory: Path, mesh: dict[str, Any], example_dir: Path = EXAMPLE_DIR) -> LayoutSearch:
    """Write ``mesh`` to ``directory`` and raise its `layout` counts until it validates.

    Any refusal other than a layout count is a generator bug (or a limit no count fixes, such as a
    DataZone quota): the search stops and reports it instead of guessing."""
    from mesh_config import ConfigError, load_mesh

    search = LayoutSearch(layout=dict(mesh.get("layout") or {}))
    for attempt in range(1, MAX_LAYOUT_ATTEMPTS + 1):
        search.attempts = attempt
        mesh["layout"] = dict(search.layout) if search.layout else None
        if mesh["layout"] is None:
            mesh.pop("layout")
        write_mesh(directory, mesh, example_dir)
        try:
            config = load_mesh(directory)
        except ConfigError as error:
            wanted, others = requested_counts(error.issues)
            search.rounds.append(wanted)
            if others:
                search.error = ConfigError(others).render()
                return search
            # Never lower a count an earlier round set: the placements of a pool change with its size.
            raised = {name: max(n, search.layout.get(name, 0)) for name, n in wanted.items()}
            if all(search.layout.get(name) == n for name, n in raised.items()):
                search.error = f"the layout fixes asked for counts already set ({raised}):\n{error.render()}"
                return search
            search.layout.update(raised)
            continue
        search.rounds.append({})
        search.projects_per_env = {env.name: len(config.projects_in(env)) for env in config.environments}
        return search
    search.error = f"no valid layout after {MAX_LAYOUT_ATTEMPTS} validations; last counts {search.layout}"
    return search


def declared_counts(mesh: dict[str, Any]) -> dict[str, int]:
    """Counts of a mesh dict, for the report and the generator's test."""
    return {
        "domain_units": len(mesh["domain_units"]),
        "business_units": sum(1 for u in mesh["domain_units"] if not u.get("parent")),
        "projects": len(mesh["projects"]),
        "catalogs": len(mesh["catalogs"]),
        "tables": sum(len(c["tables"]) for c in mesh["catalogs"]),
        "subscriptions": len(mesh["subscriptions"]),
    }
