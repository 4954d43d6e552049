"""Resource tags: the limits AWS puts on them, checked before synthesis.

Every resource of an environment carries the mesh's tags, the environment's and an Environment
tag (stacks/stack_defaults.py). AWS allows at most 50 user tags per resource; a longer map fails
the deployment, and thousands of them make a synth run for minutes, so an oversized map is
refused as soon as the file is parsed, before any of its tags is validated.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from mesh_config.errors import ConfigIssue, clip
from mesh_config.yaml_source import YamlDocument

# AWS: "Maximum number of tags per resource: 50" (tags with the aws: prefix do not count).
MAX_TAGS = 50
# AWS reserves the aws: prefix for its own tags; CloudFormation refuses such a key on every resource.
RESERVED_TAG_PREFIX = "aws:"
# Added to every resource of an environment, with the environment's name (stacks/stack_defaults.py).
ENVIRONMENT_TAG = "Environment"

Tags = Annotated[dict[str, str], Field(max_length=MAX_TAGS)]


def without_oversized_tags(doc: YamlDocument) -> tuple[Any, list[ConfigIssue]]:
    """The document's data to validate, without a ``tags`` map over MAX_TAGS (reported instead):
    the rest of the file is still validated, so one run reports every problem."""
    data = doc.data
    tags = data.get("tags") if isinstance(data, dict) else None
    if not isinstance(tags, dict) or len(tags) <= MAX_TAGS:
        return data, []
    issue = doc.issue(
        ("tags",),
        f"{len(tags):,} tags; AWS allows at most {MAX_TAGS} per resource",
        f"keep at most {MAX_TAGS}, counting both files: every resource carries the tags of mesh.yaml, those of "
        f"its environment's file and '{ENVIRONMENT_TAG}'",
    )
    return {k: v for k, v in data.items() if k != "tags"}, [issue]


def check_tags(tags: dict[str, str], doc: YamlDocument, loc: tuple[str | int, ...]) -> list[ConfigIssue]:
    return [
        doc.issue(
            (*loc, key),
            f"tag key '{clip(key)}' starts with the reserved prefix '{RESERVED_TAG_PREFIX}'",
            f"rename it (e.g. '{clip(key[len(RESERVED_TAG_PREFIX) :])}'): AWS keeps tag keys starting with aws: "
            "for itself",
        )
        for key in tags
        if key.lower().startswith(RESERVED_TAG_PREFIX)
    ]


def _total(*maps: dict[str, str]) -> int:
    """Tags on each resource: later maps override earlier keys, and the Environment tag is added."""
    return len({ENVIRONMENT_TAG}.union(*maps))


def check_mesh_tag_total(tags: dict[str, str], doc: YamlDocument) -> list[ConfigIssue]:
    """mesh.yaml's tags alone, with the Environment tag, over the limit: reported once, here."""
    total = _total(tags)
    if total <= MAX_TAGS:
        return []
    return [
        doc.issue(
            ("tags",),
            f"{len(tags)} tags and the '{ENVIRONMENT_TAG}' tag added to every resource make {total}; AWS allows at "
            f"most {MAX_TAGS} per resource",
            f"remove {total - MAX_TAGS} tag(s)",
        )
    ]


def check_environment_tag_total(
    mesh_tags: dict[str, str], env_tags: dict[str, str], mesh_doc: YamlDocument, env_doc: YamlDocument
) -> list[ConfigIssue]:
    """The tags one environment's resources carry, over the limit (unless mesh.yaml alone is)."""
    total = _total(mesh_tags, env_tags)
    if total <= MAX_TAGS or _total(mesh_tags) > MAX_TAGS:
        return []
    return [
        env_doc.issue(
            ("tags",),
            f"every resource of this environment would carry {total} tags: {len(mesh_tags)} from "
            f"{mesh_doc.file}, {len(env_tags)} from this file (keys in both count once) and '{ENVIRONMENT_TAG}'; "
            f"AWS allows at most {MAX_TAGS} per resource",
            f"remove {total - MAX_TAGS} tag(s) here or in {mesh_doc.file}",
        )
    ]
