"""A stack synthesizer that writes a fragment's plain resources into the stack's template.

Of a large mesh's synth, most of the kernel's (Node's) time went to resolving every template
twice, once to find cross-stack references and once to render it, and most of what it resolved
were project memberships: thousands of small resources that nothing references, that hold no
token a fragment parameter does not stand for, and that no cdk-nag rule inspects
(docs/large-meshes.md). Such a resource need not be a construct. The fragment hands it to this
synthesizer, which adds it to the template CDK has written, in its place in the fragment, with the
parameters' values resolved in this stack: the template is the one the constructs would give,
byte for byte (the snapshot tests compare every template).

The values are resolved after CDK has prepared the app, so each token must also be used by a
construct of the same stack (the fragment keeps one resource per such token as a construct):
that is what makes CDK create the producer's output and the dependency between the stacks, and
what lets ``Stack.resolve`` render the reference as this stack reads it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    DefaultStackSynthesizer,
    FileAssetSource,
    IBoundStackSynthesizer,
    ISynthesisSession,
    Stack,
)

# CloudFormation's template body limit (aws-cdk-lib core/lib/stack.js TEMPLATE_BODY_MAXIMUM_SIZE).
TEMPLATE_BODY_MAXIMUM_SIZE = 1_000_000
STACK_RESOURCE_LIMIT_CONTEXT = "@aws-cdk/core:stackResourceLimit"
DEFAULT_STACK_RESOURCE_LIMIT = 500


@dataclass
class PlainResources:
    """One fragment's resources: ``order`` every logical id of the fragment in template order
    (constructed and plain); ``plain`` the plain ones; ``parameters`` each parameter that a plain
    resource uses, with the token it stands for."""

    order: list[str]
    plain: dict[str, dict[str, Any]]
    parameters: dict[str, str] = field(default_factory=dict)


class FragmentSynthesizer(DefaultStackSynthesizer):
    """``DefaultStackSynthesizer`` (the default of every stack), plus the plain resources of the
    stack's fragments."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fragments: list[PlainResources] = []

    def reusable_bind(self, stack: Stack) -> IBoundStackSynthesizer:
        # DefaultStackSynthesizer binds a copy of itself (Object.create) to each stack, which the
        # Python object cannot reach: this one serves the one stack it is created for.
        self.bind(stack)
        return self

    def add_plain_resources(self, resources: PlainResources) -> None:
        self._fragments.append(resources)

    @property
    def plain_count(self) -> int:
        """How many resources this synthesizer writes (the stack has no construct for them)."""
        return sum(len(f.plain) for f in self._fragments)

    @jsii.member(jsii_name="synthesizeTemplate")
    def _synthesize_template(
        self,
        session: ISynthesisSession,
        lookup_role_arn: str | None = None,
        lookup_role_external_id: str | None = None,
        lookup_role_additional_options: Any = None,
    ) -> FileAssetSource:
        source = super()._synthesize_template(
            session, lookup_role_arn, lookup_role_external_id, lookup_role_additional_options
        )
        if not any(f.plain for f in self._fragments):
            return source
        stack = self._bound_stack
        path = Path(session.assembly.outdir) / source.file_name
        text = path.read_text(encoding="utf-8")
        template = json.loads(text)
        template["Resources"] = self._merged(template.get("Resources", {}), stack)
        # CDK counted only the constructed resources (Stack's maxResources, from this context key).
        limit = int(stack.node.try_get_context(STACK_RESOURCE_LIMIT_CONTEXT) or DEFAULT_STACK_RESOURCE_LIMIT)
        count = len(template["Resources"])
        if 0 < limit < count:
            raise ValueError(
                f"Number of resources in stack '{stack.node.path}': {count} is greater than allowed maximum of {limit}"
            )
        # As CDK writes it: indented by one space, unless the stack suppresses indentation.
        indented = text.startswith("{\n")
        text = json.dumps(
            template,
            ensure_ascii=False,
            indent=1 if indented else None,
            separators=(",", ": ") if indented else (",", ":"),
        )
        if len(text) > TEMPLATE_BODY_MAXIMUM_SIZE * 0.8:
            verb = "exceeds" if len(text) > TEMPLATE_BODY_MAXIMUM_SIZE else "is approaching"
            Annotations.of(stack).add_warning_v2(
                "@aws-cdk/core:Stack.templateSize",
                f"Template size {verb} limit: {len(text)}/{TEMPLATE_BODY_MAXIMUM_SIZE}. Split resources into multiple "
                "stacks to reduce template size.",
            )
        path.write_text(text, encoding="utf-8")
        # The template's asset is named by its content (core/lib/stack-synthesizers/_shared.js contentHash).
        return FileAssetSource(
            file_name=source.file_name,
            packaging=source.packaging,
            source_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            deploy_time=source.deploy_time,
            display_name=source.display_name,
        )

    def _merged(self, resources: dict[str, Any], stack: Any) -> dict[str, Any]:
        """``resources`` with each fragment's plain resources in their places: a fragment's
        constructed resources are consecutive (the children of one CfnInclude), so the whole
        fragment goes where its first constructed resource is."""
        at: dict[str, PlainResources] = {}
        for fragment in self._fragments:
            first = next((lid for lid in fragment.order if lid not in fragment.plain), None)
            if first is None or first not in resources:
                raise ValueError(f"{stack.node.path}: a template fragment lost its constructed resources")
            at[first] = fragment
        skip = {lid for f in self._fragments for lid in f.order}
        merged: dict[str, Any] = {}
        for logical_id, resource in resources.items():
            fragment = at.get(logical_id)
            if fragment is not None:
                values = {name: stack.resolve(token) for name, token in fragment.parameters.items()}
                for lid in fragment.order:
                    plain = fragment.plain.get(lid)
                    merged[lid] = resources[lid] if plain is None else _substituted(plain, values)
            elif logical_id not in skip:
                merged[logical_id] = resource
        return merged


def _substituted(value: Any, values: dict[str, Any]) -> Any:
    """``value`` with every ``{"Ref": <parameter>}`` replaced by the parameter's value."""
    if isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and value["Ref"] in values:
            return values[value["Ref"]]
        return {k: _substituted(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, values) for v in value]
    return value
