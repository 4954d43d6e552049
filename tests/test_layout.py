"""Stacks follow resources: the pools of mesh.yaml `layout`, the stability of each item's stack
under every kind of edit, and the deliberate rebalance."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mesh_config import MeshConfig, load_mesh
from mesh_config.placement import jump_hash
from mesh_plan.changes import Action, plan
from mesh_plan.rules import violations
from tests.config_edits import edit_yaml
from tests.synth import ROOT, synth_app
from tests.test_change_plan import stage_stacks

POOLS = {"project_stacks": 4, "product_stacks": 3, "subscription_stacks": 2, "catalog_stacks": 2}


def test_jump_hash_moves_only_into_the_new_bucket_and_about_one_in_n() -> None:
    keys = [f"project-{i}" for i in range(5000)]
    for buckets in (1, 2, 7, 40):
        before = {k: jump_hash(k, buckets) for k in keys}
        after = {k: jump_hash(k, buckets + 1) for k in keys}
        moved = [k for k in keys if before[k] != after[k]]
        assert all(after[k] == buckets for k in moved)
        assert abs(len(moved) / len(keys) - 1 / (buckets + 1)) < 0.03
        assert set(after.values()) == set(range(buckets + 1))
    # Balanced enough for the 70 % target load: no bucket of 40 over 1.4x the mean.
    loads = Counter(jump_hash(k, 40) for k in keys)
    assert max(loads.values()) < 1.4 * len(keys) / 40


def _placement(config: MeshConfig) -> dict[str, dict[str, str]]:
    """Per environment, every item's stack: projects, producers' tables, subscriptions, catalogs."""
    out: dict[str, dict[str, str]] = {}
    for env in config.environments:
        where: dict[str, str] = {}
        for part, projects in config.project_stacks(env).items():
            where |= {f"project {p.key}": part for p in projects}
        for part, products in config.product_stacks(env).items():
            where |= {f"table {t.dataset}": part for c, producer in products for t in c.tables_of(producer)}
        for part, subs in config.subscription_stacks(env).items():
            where |= {f"subscription {s.consumer}/{s.asset}": part for s in subs}
        for part, catalogs in config.catalog_stacks(env).items():
            where |= {f"catalog {c.business_unit}": part for c in catalogs}
        out[env.name] = where
    return out


def _pooled_copy(tmp_path: Path) -> Path:
    """The example with a few more projects (nothing refers to them) over pools of several stacks."""
    env_dir = tmp_path / "environments"
    shutil.copytree(ROOT / "environments", env_dir)

    def pooled(m: dict) -> None:
        m["layout"] = POOLS
        m["projects"] += [
            {"domain_unit": "ops", "use_case": f"lab{i}", "profile": "sql-analytics", "owners": ["data-engineers"]}
            for i in range(8)
        ]

    edit_yaml(env_dir / "mesh.yaml", pooled)
    return env_dir


def _ops_catalog(m: dict) -> dict:
    return next(c for c in m["catalogs"] if c["business_unit"] == "ops")


def _add_project(m: dict) -> None:
    m["projects"].append(
        {"domain_unit": "ops", "use_case": "planning", "profile": "sql-analytics", "owners": ["data-engineers"]}
    )


def _remove_project(m: dict) -> None:
    # A project nothing else names (no table, glossary, form, subscription or share refers to it).
    m["projects"] = [p for p in m["projects"] if p["use_case"] != "lab3"]


def _grow_project(m: dict) -> None:
    project = next(p for p in m["projects"] if p["use_case"] == "reporting")
    project.setdefault("contributors", []).append("executives")


def _add_table(m: dict) -> None:
    _ops_catalog(m)["tables"].append(
        {
            "dataset": "returns",
            "description": "Returned parcels",
            "storage": {"layer": "curated", "prefix": "ops/returns/"},
            "columns": [{"name": "return_id", "type": "string", "description": "Return id"}],
        }
    )


def _remove_table(m: dict) -> None:
    ops = _ops_catalog(m)
    ops["tables"] = [t for t in ops["tables"] if t["dataset"] != "supply_shipments"]


def _grow_table(m: dict) -> None:
    _ops_catalog(m)["tables"][0]["columns"].append({"name": "note", "type": "string", "description": "Free text"})


def _add_subscription(m: dict) -> None:
    m["subscriptions"].append(
        {"consumer": "sales-analytics", "asset": "ops_orders_table", "reason": "Order volumes for the sales forecast"}
    )


def _remove_subscription(m: dict) -> None:
    m["subscriptions"] = m["subscriptions"][1:]


EDITS: dict[str, Callable[[Any], None]] = {
    "add a project": _add_project,
    "remove a project": _remove_project,
    "grow a project": _grow_project,
    "add a table": _add_table,
    "remove a table": _remove_table,
    "grow a table": _grow_table,
    "add a subscription": _add_subscription,
    "remove a subscription": _remove_subscription,
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_an_edit_never_moves_another_item(tmp_path: Path, edit: str) -> None:
    env_dir = _pooled_copy(tmp_path)
    before = _placement(load_mesh(env_dir))
    edit_yaml(env_dir / "mesh.yaml", EDITS[edit])
    after = _placement(load_mesh(env_dir))
    for env, where in before.items():
        kept = {item: part for item, part in where.items() if item in after[env]}
        assert kept == {item: after[env][item] for item in kept}, f"{edit} moved an item in {env}"
    assert before != after or edit.startswith("grow")


def test_the_pools_spread_the_example_over_several_stacks(tmp_path: Path) -> None:
    config = load_mesh(_pooled_copy(tmp_path))
    dev = config.environment("dev")
    assert len(config.project_stacks(dev)) > 1
    assert len(config.product_stacks(dev)) > 1
    assert set(config.catalog_stacks(dev)) <= {"catalogs-1", "catalogs-2"}


@pytest.fixture(scope="module")
def pooled_baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    env_dir = _pooled_copy(tmp_path_factory.mktemp("pooled"))
    out = tmp_path_factory.mktemp("pooled-out")
    synth_app(env_dir, out, direct="true")
    return env_dir, stage_stacks(out)


def test_the_change_plan_is_silent_on_every_edit_but_the_removed_items(pooled_baseline, tmp_path: Path) -> None:
    """Every kind of edit at once, synthesized: nothing is replaced, and the only deletions are the
    removed project's, table's and subscription's own resources."""
    base_dir, baseline = pooled_baseline
    env_dir = tmp_path / "environments"
    shutil.copytree(base_dir, env_dir)
    for change in EDITS.values():
        edit_yaml(env_dir / "mesh.yaml", change)
    synth_app(env_dir, tmp_path / "out", direct="true")
    changes = plan(baseline, stage_stacks(tmp_path / "out"))
    assert not [c for c in changes if c.action is Action.REPLACED]
    deleted = {(c.resource_type, c.logical_id[:-8]) for c in changes if c.action is Action.DELETED}
    removed = {
        "AWS::DataZone::Project",
        "AWS::DataZone::ProjectMembership",
        "AWS::Glue::Table",
        "Custom::DataZoneSubscription",
    }
    assert {kind for kind, _ in deleted} <= removed, deleted
    # Only the removed project's resources, the table's, the subscription's and the subscription
    # handler's membership of the producer it no longer acts for.
    own = ("opslab3", "supplyshipments", "Subscriptionsalesanalyticsfinance", "HandlerMemberfinance")
    assert all(any(mark in logical_id for mark in own) for _, logical_id in deleted), deleted


def test_a_rebalance_is_reported_refused_and_accepted_with_allow_changes(pooled_baseline, tmp_path: Path) -> None:
    base_dir, baseline = pooled_baseline
    env_dir = tmp_path / "environments"
    shutil.copytree(base_dir, env_dir)
    edit_yaml(env_dir / "mesh.yaml", lambda m: m["layout"].update(project_stacks=5))
    moved_keys = {
        p.key for p in load_mesh(env_dir).project_stacks(load_mesh(env_dir).environment("dev")).get("projects-5", [])
    }
    assert moved_keys, "jump hash moved no project into the new stack: pick another count for this test"
    rebalanced = synth_app(env_dir, tmp_path / "out", direct="true")
    changes = plan(baseline, stage_stacks(tmp_path / "out"))
    moved = [c for c in changes if c.action is Action.REPLACED and c.resource_type == "AWS::DataZone::Project"]
    assert moved and all(c.reasons[0].startswith("logical id moved to acme-") for c in moved)
    assert all("-projects-5/" in c.reasons[0] for c in moved)
    refused = violations(changes, [])
    assert {v.change.logical_id for v in refused} >= {c.logical_id for c in moved}
    assert all("allow_changes" in v.fix for v in refused)

    # Accepted: the plan passes, and the stack that receives the moved projects deploys after the
    # ones that give them up (the names are unique in the domain), in this deployment only.
    def accept(m: dict) -> None:
        m["allow_changes"] = [
            {"stack": c.stack, "resource": c.logical_id, "change": "replace", "reason": "Rebalance to five stacks"}
            for c in moved
        ]

    edit_yaml(env_dir / "mesh.yaml", accept)
    accepted = synth_app(env_dir, tmp_path / "accepted", direct="true")
    changes = plan(baseline, stage_stacks(tmp_path / "accepted"))
    assert not [v for v in violations(changes, load_mesh(env_dir).mesh.allow_changes) if v.change in moved]
    receiver = next(s for s in accepted.stacks() if s.stack_name == "acme-dev-projects-5")
    givers = {d.id for d in receiver.dependencies if "Projects" in d.id and not d.id.endswith(".assets")}
    config = load_mesh(env_dir)
    assert len(givers) == len(config.project_stacks(config.environment("dev"))) - 1 >= 2, givers
    unaccepted = next(s for s in rebalanced.stacks() if s.stack_name == "acme-dev-projects-5")
    assert not [d.id for d in unaccepted.dependencies if "Projects" in d.id and not d.id.endswith(".assets")]
