"""The mesh pipeline's promotion approvals: which wait, who must approve, approve or reject.

The pipeline runs in the tools account (mesh.yaml pipeline.account and region); the caller's
credentials must be allowed to assume the stage's approver role or act there directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datamesh.errors import MeshError, NotFound
from datamesh.services.paging import call
from mesh_config import MeshConfig
from mesh_config.naming import approval_action_name, pipeline_name

IN_PROGRESS = "InProgress"


@dataclass(frozen=True)
class PendingApproval:
    environment: str
    stage: str
    action: str
    approvers: tuple[str, ...]
    waiting_since: datetime | None
    token: str


class PipelineService:
    def __init__(self, config: MeshConfig, codepipeline: Any) -> None:
        if config.mesh.pipeline is None:
            raise MeshError("this mesh has no pipeline (mesh.yaml 'pipeline')")
        self.config = config
        self.client = codepipeline
        self.name = pipeline_name(config.mesh.org)

    def pending(self) -> list[PendingApproval]:
        state = call(f"reading pipeline {self.name}", self.client.get_pipeline_state, name=self.name)
        envs = {approval_action_name(e.name): e for e in self.config.environments}
        out = []
        for stage in state.get("stageStates", []):
            for action in stage.get("actionStates", []):
                env = envs.get(action.get("actionName", ""))
                latest = action.get("latestExecution", {})
                if env is None or latest.get("status") != IN_PROGRESS or "token" not in latest:
                    continue
                out.append(
                    PendingApproval(
                        environment=env.name,
                        stage=stage["stageName"],
                        action=action["actionName"],
                        approvers=tuple(env.promotion.approvers),
                        waiting_since=latest.get("lastStatusChange"),
                        token=latest["token"],
                    )
                )
        return out

    def decide(self, environment: str, approve: bool, comment: str) -> PendingApproval:
        if not comment.strip():
            raise MeshError("a decision needs a comment: it is kept in the pipeline's history")
        waiting = {p.environment: p for p in self.pending()}
        if environment not in waiting:
            names = ", ".join(waiting) or "none"
            raise NotFound(f"no approval of '{environment}' is waiting in {self.name} (waiting: {names})")
        pending = waiting[environment]
        call(
            f"{'approving' if approve else 'rejecting'} the promotion into {environment}",
            self.client.put_approval_result,
            pipelineName=self.name,
            stageName=pending.stage,
            actionName=pending.action,
            result={"summary": comment, "status": "Approved" if approve else "Rejected"},
            token=pending.token,
        )
        return pending
