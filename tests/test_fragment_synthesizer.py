"""Plain resources: written into the template by FragmentSynthesizer, byte for byte what their
constructs would give (mesh_constructs/fragment_synthesizer.py, template_fragment.py)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from mesh_constructs.acknowledge import BUILTIN_VALIDATION_CONTEXT
from mesh_constructs.fragment_synthesizer import FragmentSynthesizer
from mesh_constructs.template_fragment import FragmentTemplate, TemplateFragment
from tests.synth import CLI_CONTEXT, ROOT, SynthesizedApp

MEMBERSHIP = "AWS::DataZone::ProjectMembership"


def without_validation(outdir: Path, **context: object) -> cdk.App:
    """An app as app.new_app() makes it for `cdk synth`: no built-in validation, so plain resources."""
    return cdk.App(
        outdir=str(outdir),
        builtin_cloud_formation_validation=False,
        context={**CLI_CONTEXT, BUILTIN_VALIDATION_CONTEXT: False, **context},
    )


def membership(group: str) -> dict:
    return {
        "Designation": "PROJECT_CONTRIBUTOR",
        "DomainIdentifier": "d",
        "Member": {"GroupIdentifier": group},
        "ProjectIdentifier": "p",
    }


def plain_stack(app: cdk.App, name: str = "S", **kwargs: object) -> tuple[cdk.Stack, FragmentSynthesizer]:
    synthesizer = FragmentSynthesizer()
    return cdk.Stack(app, name, synthesizer=synthesizer, **kwargs), synthesizer


def test_the_example_written_with_plain_memberships_is_byte_identical_to_its_constructs(
    example_app: SynthesizedApp, tmp_path: Path
) -> None:
    """The example's projects stacks hold memberships that share every token with a constructed
    resource: synthesized as `cdk synth` does, they are written by the synthesizer, and every
    template file is the same as the test suite's (constructed) synth."""
    plain = synth_app_without_validation(tmp_path)
    constructed_files = {p.relative_to(example_app.outdir): p.read_bytes() for p in example_app.template_files()}
    plain_files = {p.relative_to(plain.outdir): p.read_bytes() for p in plain.template_files()}
    assert plain_files.keys() == constructed_files.keys()
    differing = [str(name) for name, text in plain_files.items() if text != constructed_files[name]]
    assert differing == []
    # The plain path did run: most memberships have no construct in this synth.
    written = sum(
        stack.synthesizer.plain_count
        for stack in plain.app.node.find_all()
        if isinstance(stack, cdk.Stack) and isinstance(stack.synthesizer, FragmentSynthesizer)
    )
    templates = plain.templates().values()
    memberships = sum(len([r for r in t["Resources"].values() if r["Type"] == MEMBERSHIP]) for t in templates)
    assert 0 < written < memberships


def synth_app_without_validation(outdir: Path) -> SynthesizedApp:
    from app import build_app
    from tests.synth import cdk_json_context

    app = without_validation(outdir, **{**cdk_json_context(), "mesh_dir": str(ROOT / "environments")})
    return SynthesizedApp(outdir, build_app(app).synth(), app)


def test_a_plain_resource_that_brings_a_new_token_stays_a_construct(tmp_path: Path) -> None:
    app = without_validation(tmp_path)
    producer = cdk.Stack(app, "Producer")
    topic_a, topic_b = sns.CfnTopic(producer, "A"), sns.CfnTopic(producer, "B")
    stack, _ = plain_stack(app)
    template = FragmentTemplate(stack)
    a, b = template.value(topic_a.attr_topic_arn), template.value(topic_b.attr_topic_arn)
    first = template.add(["First"], MEMBERSHIP, membership(a), plain=True)
    second = template.add(["Second"], MEMBERSHIP, membership(a), plain=True)
    third = template.add(["Third"], MEMBERSHIP, membership(b), plain=True)
    fourth = template.add(["Fourth"], MEMBERSHIP, membership(b), plain=True)
    fragment = TemplateFragment(stack, "Fragment", template)

    # The first places the fragment; the third is the only one to use B's ARN so far.
    assert fragment.plain_ids == {second, fourth}
    written = app.synth().get_stack_by_name("S").template["Resources"]
    assert list(written) == [first, second, third, fourth]
    # Cross-stack references resolved as this stack reads them, in the plain ones too.
    a_ref, b_ref = (written[x]["Properties"]["Member"]["GroupIdentifier"] for x in (second, fourth))
    assert a_ref == written[first]["Properties"]["Member"]["GroupIdentifier"] != b_ref
    assert b_ref == written[third]["Properties"]["Member"]["GroupIdentifier"]
    assert "Fn::ImportValue" in a_ref or "Fn::GetStackOutput" in a_ref


def test_with_the_builtin_validation_every_resource_is_a_construct(tmp_path: Path) -> None:
    """Its findings are acknowledged on constructs only: a plain resource could not be."""
    app = cdk.App(outdir=str(tmp_path), context=CLI_CONTEXT)
    stack, synthesizer = plain_stack(app)
    template = FragmentTemplate(stack)
    template.add(["First"], MEMBERSHIP, membership("g"), plain=True)
    template.add(["Second"], MEMBERSHIP, membership("g"), plain=True)
    fragment = TemplateFragment(stack, "Fragment", template)
    assert fragment.plain_ids == frozenset()
    assert synthesizer.plain_count == 0


def test_without_the_fragment_synthesizer_every_resource_is_a_construct(tmp_path: Path) -> None:
    app = without_validation(tmp_path)
    stack = cdk.Stack(app, "S")
    template = FragmentTemplate(stack)
    template.add(["First"], MEMBERSHIP, membership("g"), plain=True)
    template.add(["Second"], MEMBERSHIP, membership("g"), plain=True)
    assert TemplateFragment(stack, "Fragment", template).plain_ids == frozenset()
    assert len(app.synth().get_stack_by_name("S").template["Resources"]) == 2


def test_plain_resources_go_where_their_fragment_is_between_other_resources(tmp_path: Path) -> None:
    app = without_validation(tmp_path)
    stack, _ = plain_stack(app)
    sns.CfnTopic(stack, "Before")
    template = FragmentTemplate(stack)
    ids = [template.add([f"M{i}"], MEMBERSHIP, membership("g"), plain=True) for i in range(3)]
    fragment = TemplateFragment(stack, "Fragment", template)
    sns.CfnTopic(stack, "After")
    assert fragment.plain_ids == set(ids[1:])
    assert list(app.synth().get_stack_by_name("S").template["Resources"]) == ["Before", *ids, "After"]


def test_the_template_asset_is_named_by_the_written_template(tmp_path: Path) -> None:
    app = without_validation(tmp_path)
    stack, _ = plain_stack(app)
    template = FragmentTemplate(stack)
    for i in range(3):
        template.add([f"M{i}"], MEMBERSHIP, membership("g"), plain=True)
    TemplateFragment(stack, "Fragment", template)
    assembly = app.synth()
    artifact = assembly.get_stack_by_name("S")
    text = (Path(assembly.directory) / artifact.template_file).read_bytes()
    manifest = json.loads((Path(assembly.directory) / "S.assets.json").read_text())
    import hashlib

    assert hashlib.sha256(text).hexdigest() in manifest["files"]
    assert len(artifact.template["Resources"]) == 3


def test_a_stack_without_indentation_is_written_without_it(tmp_path: Path) -> None:
    app = without_validation(tmp_path)
    stack, _ = plain_stack(app, suppress_template_indentation=True)
    template = FragmentTemplate(stack)
    for i in range(2):
        template.add([f"M{i}"], MEMBERSHIP, membership("g"), plain=True)
    TemplateFragment(stack, "Fragment", template)
    assembly = app.synth()
    text = (Path(assembly.directory) / assembly.get_stack_by_name("S").template_file).read_text()
    assert "\n" not in text and '"M1":{"Type"' in text


def test_plain_resources_count_toward_the_stack_resource_limit(tmp_path: Path) -> None:
    app = without_validation(tmp_path, **{"@aws-cdk/core:stackResourceLimit": 3})
    stack, _ = plain_stack(app)
    template = FragmentTemplate(stack)
    for i in range(4):
        template.add([f"M{i}"], MEMBERSHIP, membership("g"), plain=True)
    TemplateFragment(stack, "Fragment", template)
    with pytest.raises(Exception, match="Number of resources in stack 'S': 4 is greater than allowed maximum of 3"):
        app.synth()
