"""The installed version of the project (package metadata), for `datamesh --version` and the API."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

# [project] name in pyproject.toml: the distribution that installs datamesh, mesh_config and mesh_plan.
DISTRIBUTION = "smus-data-mesh"


def package_version() -> str:
    """The distribution's version; 'unknown' when running from a checkout that was never installed."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"
