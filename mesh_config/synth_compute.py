"""The CodeBuild compute the pipeline's synth step needs, from the size of the mesh.

CodeBuild's default compute (BUILD_GENERAL1_SMALL) has 3 GB; a synth that outgrows it is
OOM-killed with no useful message. The synth's memory follows the number of resources it
synthesizes, so the compute is chosen from an estimate of that number: validation's own estimate
of every stack (layout_checks.synth_resources).

Measured model (benchmark/synth_benchmark.py, 2 cores, Node 22, aws-cdk-lib 2.275.0: the peak of
the summed RSS of the synth's process tree, cdk CLI node + python app.py + jsii node):

    resources    peak MB
          864      1 091   the example (environments/)
        4 787      1 140   example + 100 generated projects per environment
       11 787      1 280   example + 300 generated projects per environment
       34 288      1 523   example + 1 000 per environment (benchmark/RESULTS.md, 2026-11-23)

A least-squares line through them gives about 1 092 MB + 12.9 MB per 1 000 resources; the three
points measured on this code alone give 1 076 MB + 17.3 MB per 1 000. The model takes the larger
of each, rounded up: 1 100 MB + 17.5 MB per 1 000 resources, and asks for twice that.
"""

from __future__ import annotations

import math
from enum import StrEnum


class SynthCompute(StrEnum):
    """CodeBuild on-demand Linux compute types (CDK's codebuild.ComputeType member names)."""

    SMALL = "SMALL"
    MEDIUM = "MEDIUM"
    LARGE = "LARGE"
    X2_LARGE = "X2_LARGE"


# Memory of each type for the LINUX_CONTAINER environment, CodeBuild User Guide, "Build
# environment compute modes and types", on-demand environment types
# (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html):
# BUILD_GENERAL1_SMALL 3 GB, _MEDIUM 7 GB, _LARGE 15 GB, _2XLARGE 145 GB. The API reference
# (ProjectEnvironment.computeType) now says 4 / 8 / 16 / 144 GiB "depending on your environment
# type": the smaller figures are the ones to budget with. BUILD_GENERAL1_XLARGE (70 GB) is left
# out on purpose: LARGE to X2_LARGE covers every mesh this model reaches.
COMPUTE_MEMORY_GB: dict[SynthCompute, int] = {
    SynthCompute.SMALL: 3,
    SynthCompute.MEDIUM: 7,
    SynthCompute.LARGE: 15,
    SynthCompute.X2_LARGE: 145,
}
# What CodeBuild uses when the project sets none (CDK Pipelines' synth step by default).
DEFAULT_COMPUTE = SynthCompute.SMALL

SYNTH_BASE_MB = 1100.0
SYNTH_MB_PER_RESOURCE = 0.0175
SAFETY_FACTOR = 2.0


def synth_peak_mb(resources: int) -> float:
    """Expected peak memory of the synth, in MB (the measured model, no margin)."""
    return SYNTH_BASE_MB + SYNTH_MB_PER_RESOURCE * resources


def synth_compute_for(resources: int) -> SynthCompute:
    """The smallest compute with at least twice the expected peak. Past X2_LARGE nothing is bigger:
    it is returned, and the guarded synth says so if it runs out."""
    needed_mb = SAFETY_FACTOR * synth_peak_mb(resources)
    for compute, gb in COMPUTE_MEMORY_GB.items():
        if gb * 1024 >= needed_mb:
            return compute
    return SynthCompute.X2_LARGE


def max_resources_for(compute: SynthCompute) -> int:
    """The largest estimate this rule still gives ``compute`` (for docs and tests)."""
    budget_mb = COMPUTE_MEMORY_GB[compute] * 1024 / SAFETY_FACTOR
    return math.floor((budget_mb - SYNTH_BASE_MB) / SYNTH_MB_PER_RESOURCE)


def next_compute(compute: SynthCompute) -> SynthCompute | None:
    """The next larger compute, None after the largest."""
    order = list(COMPUTE_MEMORY_GB)
    index = order.index(compute)
    return order[index + 1] if index + 1 < len(order) else None
