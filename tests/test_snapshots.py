"""Every synthesized template is snapshotted: any change to any resource shows in review."""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# CDK Pipelines publishes an asset to "<asset hash>:<account>-<region>-<destination hash>"; the
# destination hash follows the asset's content too.
ASSET_DESTINATION = re.compile(r"(<asset-hash>:\d{12}-[a-z0-9-]+?-\d)-[0-9a-f]{8}\b")


def scrub(template: dict) -> dict:
    """Asset hashes change with any asset edit; the snapshot should show real changes only."""
    text = ASSET_HASH.sub("<asset-hash>", json.dumps(template))
    return json.loads(ASSET_DESTINATION.sub(r"\1-<destination-hash>", text))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_template_matches_its_snapshot(example_app, snapshot_json):
    templates = example_app.templates()
    # The pipeline, the organisation's four stacks (guardrails, identity, trail, log archive) + 3
    # environments x (foundation, domain, one projects stack per business unit, governance, catalogs,
    # one products stack per producing business unit, subscriptions, baseline, lineage), and the
    # monitoring stack of the two environments with notifications (staging, prod), and dev's network
    # stack (network.create), and each environment's image-ingestion stack (shipment-photos).
    assert len(templates) == 1 + 4 + 3 * 9 + 2 + 1 + 3
    for name, template in templates.items():
        assert scrub(template) == snapshot_json(name=name)


def test_scrub_replaces_asset_hashes_only():
    digest = "a" * 64
    assert scrub({"Key": f"{digest}.json", "Name": "acme"}) == {"Key": "<asset-hash>.json", "Name": "acme"}
