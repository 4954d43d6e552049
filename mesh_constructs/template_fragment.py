"""Many resources of one stack given as CloudFormation JSON and added in one call to the kernel.

A construct per resource costs several round trips from Python to the jsii kernel (Node): the
resource, its wrapper, its removal policy, its attributes, its metadata. A mesh has thousands of
projects and memberships, and those round trips were most of a large synth's time
(docs/large-meshes.md). ``cloudformation_include.CfnInclude`` builds the same L1 resources from a
template in Node, in one call: the resources are still constructs (aspects, tags and cdk-nag visit
them) and render exactly as the L1 classes render them.

Values the template cannot hold as JSON (tokens: another resource's attribute, a cross-stack
reference) become template parameters that CfnInclude replaces by the token; logical ids and the
construct-path metadata are computed here exactly as CDK computes them for the constructs this
replaces (``unique_id``: aws-cdk-lib's core/lib/private/uniqueid.js), so switching a stack to a
fragment changes nothing in its template (the snapshot tests compare every template).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from typing import Any, cast

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import cloudformation_include as cfn_inc
from constructs import Construct

from mesh_constructs.acknowledge import builtin_validation_runs
from mesh_constructs.fragment_synthesizer import FragmentSynthesizer, PlainResources

# cxapi.PATH_METADATA_ENABLE_CONTEXT / PATH_METADATA_KEY: `cdk synth` turns path metadata on.
PATH_METADATA_CONTEXT = "aws:cdk:enable-path-metadata"
PATH_METADATA_KEY = "aws:cdk:path"
# A token encoded in a string: ${Token[NAME.123]} (aws-cdk-lib core/lib/private/encoding.js).
_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")

# RemovalPolicy -> (DeletionPolicy, UpdateReplacePolicy), as CfnResource.applyRemovalPolicy writes them.
_POLICIES = {
    RemovalPolicy.RETAIN: ("Retain", "Retain"),
    RemovalPolicy.DESTROY: ("Delete", "Delete"),
    RemovalPolicy.SNAPSHOT: ("Snapshot", "Snapshot"),
    RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: ("RetainExceptOnCreate", "Retain"),
}


def unique_id(components: Sequence[str]) -> str:
    """The logical id CDK gives a resource at this construct path below its stack (makeUniqueId)."""
    parts = [c for c in components if c != "Default"]
    if not parts:
        raise ValueError("a logical id needs at least one path component")
    if len(parts) == 1:
        candidate = _NON_ALNUM.sub("", parts[0])
        if len(candidate) <= 255:
            return candidate
    digest = hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human: list[str] = []
    for part in parts:
        if not human or not human[-1].endswith(part):
            human.append(part)
    return "".join(_NON_ALNUM.sub("", p) for p in human if p != "Resource")[:240] + digest


def is_token(value: str) -> bool:
    return bool(_TOKEN.search(value))


class FragmentTemplate:
    """The resources of a fragment, built in Python. ``value`` turns a string holding a token into
    a parameter reference (one parameter per distinct token)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.resources: dict[str, dict[str, Any]] = {}
        self.parameters: dict[str, str] = {}
        self._names: dict[str, str] = {}
        # Logical ids of resources that may be written without a construct (fragment_synthesizer.py).
        self.plain: set[str] = set()
        self._stack_path: str | None = None
        self._path_metadata: bool | None = None

    def value(self, value: str) -> str | dict[str, str]:
        if not is_token(value):
            return value
        name = self._names.get(value)
        if name is None:
            name = self._names[value] = f"FragmentValue{len(self._names)}"
            self.parameters[name] = value
        return {"Ref": name}

    def add(
        self,
        path: Sequence[str],
        resource_type: str,
        properties: dict[str, Any],
        *,
        removal_policy: RemovalPolicy | None = None,
        metadata: dict[str, Any] | None = None,
        plain: bool = False,
    ) -> str:
        """Adds the resource CDK would create at ``path`` (below the stack) and returns its logical id.
        ``plain``: nothing references it, no cdk-nag rule inspects its type and it holds no token
        but through parameters, so it may be written into the template without a construct."""
        logical_id = unique_id(path)
        if logical_id in self.resources:
            raise ValueError(f"two resources of one fragment share the logical id {logical_id}")
        resource: dict[str, Any] = {"Type": resource_type, "Properties": properties}
        # In the order CDK writes them: the path when the construct is created, the rest later.
        all_metadata = {PATH_METADATA_KEY: "/".join([self._path(), *path])} if self._with_path_metadata() else {}
        all_metadata.update(metadata or {})
        if all_metadata:
            resource["Metadata"] = all_metadata
        if removal_policy is not None:
            resource["DeletionPolicy"], resource["UpdateReplacePolicy"] = _POLICIES[removal_policy]
        self.resources[logical_id] = resource
        if plain:
            self.plain.add(logical_id)
        return logical_id

    def _with_path_metadata(self) -> bool:
        if self._path_metadata is None:
            self._path_metadata = bool(self.stack.node.try_get_context(PATH_METADATA_CONTEXT))
        return self._path_metadata

    def _path(self) -> str:
        if self._stack_path is None:
            self._stack_path = self.stack.node.path
        return self._stack_path


class TemplateFragment(Construct):
    """The fragment's resources as constructs (children named by logical id) in ``scope``'s stack;
    in a stack synthesized by ``FragmentSynthesizer``, its plain resources are written by the
    synthesizer instead, except one for each parameter no constructed resource uses (the
    construct CDK needs to see the reference)."""

    def __init__(self, scope: Construct, construct_id: str, template: FragmentTemplate) -> None:
        super().__init__(scope, construct_id)
        # CDK's built-in validation takes acknowledgments on constructs only
        # (core/lib/private/synthesis-validation.js): where it runs (the pipeline's synth step, the
        # test suite), a finding on a plain resource (E3019 on members of one project) could not be
        # acknowledged, so every resource is a construct there.
        may_write = template.plain and not builtin_validation_runs(template.stack)
        synthesizer = template.stack.synthesizer if may_write else None
        plain = _plain_resources(template) if isinstance(synthesizer, FragmentSynthesizer) else None
        written = plain.plain if plain is not None else {}
        resources = {lid: r for lid, r in template.resources.items() if lid not in written}
        used = _parameters_in(resources, template.parameters)
        parameters = {name: token for name, token in template.parameters.items() if name in used}
        body = {"Parameters": {name: {"Type": "String"} for name in parameters}, "Resources": resources}
        # CfnInclude reads a file, once, while it is constructed: a private temporary file,
        # removed right after.
        handle, path = tempfile.mkstemp(prefix="mesh-fragment-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(body, file)
            self.include = cfn_inc.CfnInclude(self, "Include", template_file=path, parameters=dict(parameters))
        finally:
            os.unlink(path)
        self.plain_ids: frozenset[str] = frozenset(written)
        if plain is not None and written:
            cast(FragmentSynthesizer, synthesizer).add_plain_resources(plain)


def _plain_resources(template: FragmentTemplate) -> PlainResources:
    """Which of the fragment's plain resources are written by the synthesizer: every one whose
    parameters a constructed resource also uses (in template order, a plain resource that brings
    a new parameter is constructed). The first resource is always constructed: it places the
    fragment in the template."""
    carried: set[str] = set()
    plain: dict[str, dict[str, Any]] = {}
    names = set(template.parameters)
    for logical_id, resource in template.resources.items():
        if logical_id not in template.plain:
            carried |= _parameters_in({logical_id: resource}, names)
    for index, (logical_id, resource) in enumerate(template.resources.items()):
        if logical_id not in template.plain:
            continue
        uses = _parameters_in({logical_id: resource}, names)
        if index == 0 or not uses <= carried:
            carried |= uses
        else:
            plain[logical_id] = resource
    used = _parameters_in(plain, names)
    return PlainResources(
        order=list(template.resources),
        plain=plain,
        parameters={name: token for name, token in template.parameters.items() if name in used},
    )


def _parameters_in(value: Any, names: set[str] | dict[str, str]) -> set[str]:
    """The parameters ``value`` references (``{"Ref": <parameter>}``)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("Ref") if len(item) == 1 else None
            if isinstance(ref, str) and ref in names:
                found.add(ref)
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
