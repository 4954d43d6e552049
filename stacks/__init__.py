"""Per-account stacks composed from mesh_constructs, and the Stage that groups them."""

from stacks.mesh_stage import MeshStage

__all__ = ["MeshStage"]
