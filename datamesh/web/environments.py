"""The environments the server reaches: one MeshContext each, made on first use and kept, so the
domain id is read once and the assumed role's credentials refresh themselves."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from datamesh.aws_access import ActingAs
from datamesh.context import ClientFactory, MeshContext, acting_role, open_context
from datamesh.services.overview import EnvironmentSummary, environment_summary
from mesh_config import MeshConfig


class Environments:
    def __init__(
        self,
        config: MeshConfig,
        clients_for: Callable[[str | None, str | None], ClientFactory],
        profile: str | None = None,
        assume: bool = True,
    ) -> None:
        self.config = config
        self.profile, self.assume = profile, assume
        self._open = lambda name: open_context(config, name, clients_for, profile, assume)
        self._contexts: dict[str, MeshContext] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.config.environments]

    def context(self, name: str) -> MeshContext:
        # An unknown name fails in open_context (pick_environment): 404 with a suggestion.
        with self._lock:
            if name not in self._contexts:
                self._contexts[name] = self._open(name)
            return self._contexts[name]

    def acting_as(self, name: str) -> ActingAs:
        """Who the server acts as in environment ``name`` (the same rule as open_context)."""
        return ActingAs(name, self.profile, acting_role(self.config, self.config.environment(name), self.assume))

    def summaries(self) -> list[EnvironmentSummary]:
        return [environment_summary(self.config, env) for env in self.config.environments]


def context(request: Request, env: str) -> MeshContext:
    """The dependency of every route under /{env}: the path's environment."""
    return request.app.state.environments.context(env)  # type: ignore[no-any-return]


Ctx = Annotated[MeshContext, Depends(context)]
