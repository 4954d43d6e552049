"""Run one synth command of the pipeline so that running out of memory ends in one clear line.

    python3 scripts/guarded_synth.py --compute SMALL --memory-gb 3 --next MEDIUM -- make synth

A CodeBuild container that runs out of memory has its process killed by the kernel (exit 137)
and the log ends mid-line. Here Node's heap is capped below the container's memory
(NODE_OPTIONS=--max-old-space-size, inherited by the cdk CLI and by the jsii runtime under the
Python app), so Node fails first with "JavaScript heap out of memory" (exit 134), and either way
the build log ends with what to change in mesh.yaml.

Standard library only: it wraps `make test`, which installs the project's dependencies.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence

# Each of the two Node processes of a synth (CLI, jsii runtime) may use this share of the
# compute's memory as heap; with Python and non-heap memory on top, the heap limit is hit before
# the container's. The sizing rule keeps the expected peak of the whole tree under half the memory.
HEAP_SHARE = 0.4
OUT_OF_MEMORY_EXITS = {137, 134, -signal.SIGKILL, -signal.SIGABRT}
OUT_OF_MEMORY_TEXT = re.compile(
    r"JavaScript heap out of memory|Allocation failed - process out of memory|MemoryError|Cannot allocate memory"
    r"|exit code 137|exited with error (?:null|137)|\bKilled\s*$"
)


def heap_mb(memory_gb: float, share: float = HEAP_SHARE) -> int:
    return max(16, int(memory_gb * 1024 * share))


def node_options(memory_mb: int, existing: str = "") -> str:
    """NODE_OPTIONS with our heap cap; an explicit cap already there (a developer's) wins."""
    if "--max-old-space-size" in existing:
        return existing
    return f"{existing} --max-old-space-size={memory_mb}".strip()


def advice(compute: str, memory_gb: float, next_compute: str | None) -> str:
    if next_compute:
        fix = f"set pipeline.synth_compute: {next_compute} in mesh.yaml"
    else:
        fix = "no larger CodeBuild compute exists: split the mesh into several pipelines"
    return f"the synth ran out of memory on {compute} ({memory_gb:g} GB): {fix}"


def run(command: Sequence[str], *, compute: str, memory_gb: float, next_compute: str | None, heap: int) -> int:
    env = {**os.environ, "NODE_OPTIONS": node_options(heap, os.environ.get("NODE_OPTIONS", ""))}
    out_of_memory = False
    # Streamed line by line: the build log shows the command's output as it comes, and the scan
    # needs no second copy of a long log in memory.
    with subprocess.Popen(
        list(command), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            out_of_memory = out_of_memory or bool(OUT_OF_MEMORY_TEXT.search(line))
        code = process.wait()
    if code == 0:
        return 0
    if out_of_memory or code in OUT_OF_MEMORY_EXITS:
        print(advice(compute, memory_gb, next_compute), file=sys.stderr, flush=True)
        return code if code > 0 else 128 - code
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compute", required=True, help="CodeBuild compute of this build (SMALL, MEDIUM, ...)")
    parser.add_argument("--memory-gb", type=float, required=True, help="its memory")
    parser.add_argument("--next", dest="next_compute", help="the next larger compute, to advise")
    parser.add_argument("--heap-mb", type=int, help="Node heap cap (default: a share of --memory-gb)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the command to run")
    opts = parser.parse_args(argv)
    command = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not command:
        parser.error("no command to run (put it after --)")
    heap = opts.heap_mb or heap_mb(opts.memory_gb)
    return run(command, compute=opts.compute, memory_gb=opts.memory_gb, next_compute=opts.next_compute, heap=heap)


if __name__ == "__main__":
    sys.exit(main())
