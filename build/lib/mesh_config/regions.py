"""AWS regions as botocore knows them (its partitions.json), not a hand-written list."""

from __future__ import annotations

import difflib
import re
from functools import cache

from botocore.loaders import create_loader


@cache
def known_regions() -> frozenset[str]:
    partitions = create_loader().load_data("partitions")["partitions"]
    # "aws-global" and friends are endpoint pseudo-regions, not places to deploy.
    return frozenset(r for p in partitions for r in p["regions"] if not r.endswith("-global"))


def region_problem(region: str) -> tuple[str, str] | None:
    """(problem, fix) when ``region`` is not an AWS region, else None."""
    regions = known_regions()
    if region in regions:
        return None
    close = difflib.get_close_matches(region, sorted(regions), n=3, cutoff=0.7)
    hint = f"did you mean {' or '.join(close)}?" if close else "use a region name such as eu-west-1"
    return (
        f"'{region}' has the shape of a region name but is no AWS region (botocore's partition data "
        f"lists {len(regions)})",
        hint,
    )


@cache
def partition_of(region: str) -> str:
    """aws, aws-cn, aws-us-gov...: the partition whose region pattern matches (botocore's data)."""
    for partition in create_loader().load_data("partitions")["partitions"]:
        if region in partition["regions"] or re.match(partition["regionRegex"], region):
            return str(partition["id"])
    return "aws"
