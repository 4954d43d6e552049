#!/usr/bin/env python3
"""Benchmark the management API and console at scale: N projects and N pending requests.

Run:  .venv/bin/python benchmark/console_benchmark.py [--sizes 10 100 1000] [--repeat 5]

Each request goes through the real application (FastAPI, Jinja2, the services) and real boto3
DataZone clients whose answers come from botocore's Stubber, DataZone's page size of 50 included
(1 000 projects are 20 ListProjects calls). What it measures is the application's own cost per
page: AWS latency is not here (add about one round trip per DataZone call listed). The machine is
noisy, so every figure is also a ratio to a page that makes no AWS call (the environments list),
measured in the same run.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from botocore.stub import Stubber  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from tests.datamesh_fakes import DOMAIN, TOKEN, project, stubbed_aws, subscription_request, web_app  # noqa: E402

PAGE = 50


def projects(stub: Stubber, n: int) -> None:
    names = [project(f"p{i}", f"bu{i % 10:02}-uc{i:04}-dev-project") for i in range(1, n + 1)]
    names[0] = project("p1", "finance-reporting-dev-project")
    for start in range(0, n, PAGE):
        answer: dict = {"items": names[start : start + PAGE]}
        params: dict = {"domainIdentifier": DOMAIN, "maxResults": PAGE}
        if start + PAGE < n:
            answer["nextToken"] = f"t{start + PAGE}"
        if start:
            params["nextToken"] = f"t{start}"
        stub.add_response("list_projects", answer, params)


def requests(stub: Stubber, n: int) -> None:
    projects(stub, 1)
    found = [{**subscription_request(), "id": f"r{i}"} for i in range(n)]
    for start in range(0, n, PAGE):
        answer: dict = {"items": found[start : start + PAGE]}
        params: dict = {"domainIdentifier": DOMAIN, "approverProjectId": "p1", "status": "PENDING", "maxResults": PAGE}
        if start + PAGE < n:
            answer["nextToken"] = f"t{start + PAGE}"
        if start:
            params["nextToken"] = f"t{start}"
        stub.add_response("list_subscription_requests", answer, params)


def timed(client: TestClient, path: str, queue: Callable[[], None], repeat: int) -> float:
    """The median wall time of GET ``path`` in ms, its AWS answers queued before each run."""
    times = []
    for _ in range(repeat):
        queue()
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:300]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clients, stubs = stubbed_aws()
    dz = stubs["datazone"]
    client = TestClient(web_app(clients), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {TOKEN}"})
    client.get("/api/v1/environments/dev/glossaries")  # reads the domain stack's output once
    baseline = timed(client, "/api/v1/environments", lambda: None, args.repeat * 4)
    print(f"baseline (no AWS call): {baseline:.1f} ms\n")
    print("| case | N | DataZone calls | median ms | x baseline |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        calls = -(-n // PAGE)
        cases = [
            (
                "API projects (first page of 50)",
                "/api/v1/environments/dev/projects?limit=50",
                functools.partial(projects, dz, n),
                calls,
            ),
            ("console projects page", "/env/dev/projects", functools.partial(projects, dz, n), calls),
            (
                "console inbox page",
                "/env/dev/inbox?project=finance-reporting",
                functools.partial(requests, dz, n),
                calls + 1,
            ),
        ]
        for name, path, queue, count in cases:
            ms = timed(client, path, queue, args.repeat)
            print(f"| {name} | {n} | {count} | {ms:.1f} | {ms / baseline:.1f} |")
    dz.assert_no_pending_responses()


if __name__ == "__main__":
    main()
