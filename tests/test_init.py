"""`datamesh init`: a new mesh folder that loads and synthesizes as written, asked for or not."""

from __future__ import annotations

import re

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from datamesh import init_mesh
from datamesh.cli import app
from datamesh.starter.comprehensive import COMMENTED_ENVIRONMENT_KEYS, COMMENTED_MESH_KEYS
from mesh_config import load_mesh
from mesh_config.environment import EnvironmentConfig
from mesh_config.mesh import MeshDefinition
from tests.starter_meshes import init
from tests.synth import synth_app

runner = CliRunner()


@pytest.fixture
def terminal(monkeypatch):
    """Someone at a terminal: the questions are asked and answered from the runner's input."""
    monkeypatch.setattr(init_mesh, "stdin_is_terminal", lambda: True)


def test_without_a_terminal_nothing_is_asked_and_the_mesh_loads(tmp_path):
    output = init(tmp_path / "mesh")

    assert "Organisation short name" not in output and "account id [" not in output
    config = load_mesh(tmp_path / "mesh")
    assert [e.name for e in config.environments] == ["dev", "prod"]
    assert [e.account for e in config.environments] == ["111111111111", "222222222222"]
    assert config.mesh.pipeline.account == "999999999999"
    assert [p.key for p in config.mesh.projects] == ["sales-analytics"]
    assert sorted(p.name for p in (tmp_path / "mesh").iterdir()) == ["dev.yaml", "mesh.yaml", "prod.yaml"]


def test_the_next_steps_name_the_placeholders_and_the_synth_commands(tmp_path):
    output = init(tmp_path / "mesh", "--account", "dev=123456789012")

    assert "222222222222 (prod), 999999999999 (tools)" in output
    assert "123456789012" not in output
    assert f"make synth MESH_DIR={tmp_path / 'mesh'}" in output
    assert f"cdk synth -c mesh_dir={tmp_path / 'mesh'}" in output


def test_the_minimal_mesh_synthesizes_as_written(tmp_path):
    init(tmp_path / "mesh")

    synthesized = synth_app(tmp_path / "mesh", tmp_path / "cdk.out")

    names = {s.stack_name for s in synthesized.stacks()}
    assert names == {
        "acme-mesh-pipeline",
        *(f"acme-{env}-{part}" for env in ("dev", "prod") for part in ("foundation", "domain", "projects-1")),
    }
    assert not [r for r in synthesized.validation_report()["pluginReports"] if r.get("violations")]


def test_flags_choose_names_accounts_and_regions(tmp_path):
    options = ["--org", "globex", "--environments", "dev,test,prod", "--account", "dev=123456789012"]
    options += ["--account", "test=234567890123", "--account", "prod=345678901234", "--region", "us-east-1"]
    options += ["--region", "prod=us-west-2", "--tools-account", "456789012345", "--business-unit", "logistics"]
    options += ["--project", "fleet", "--identity-center-arn", "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"]
    init(tmp_path / "mesh", *options)

    config = load_mesh(tmp_path / "mesh")
    assert config.mesh.org == "globex"
    assert [(e.name, e.account, e.region) for e in config.environments] == [
        ("dev", "123456789012", "us-east-1"),
        ("test", "234567890123", "us-east-1"),
        ("prod", "345678901234", "us-west-2"),
    ]
    assert {e.identity_center_instance_arn for e in config.environments} == {
        "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
    }
    assert (config.mesh.pipeline.account, config.mesh.pipeline.region) == ("456789012345", "us-east-1")
    assert [p.key for p in config.mesh.projects] == ["logistics-fleet"]
    # The last environment waits for an approval by the tools account's roles.
    assert config.environments[-1].promotion.manual_approval
    assert config.environments[-1].promotion.approver_principals[0].startswith("arn:aws:iam::456789012345:role/")


def test_on_a_terminal_missing_values_are_asked_with_defaults_and_bad_answers_asked_again(tmp_path, terminal):
    answers = [
        "globex",  # organisation
        "dev,Prod",  # environments: refused, asked again
        "dev,prod",
        "12",  # dev account: refused, asked again
        "123456789012",
        "",  # dev region: the default eu-west-1
        "",  # dev Identity Center ARN: the placeholder
        "210987654321",  # prod account
        "eu-central-1",  # prod region
        "",  # prod ARN: dev's answer
        "",  # tools account: the placeholder
        "logistics",  # business unit
        "",  # use case: the default
    ]
    result = runner.invoke(app, ["init", str(tmp_path / "mesh")], input="\n".join(answers) + "\n")

    assert result.exit_code == 0, result.output
    assert "Organisation short name" in result.output
    assert "dev: AWS account id [111111111111]" in result.output
    assert "'12' is not a 12-digit AWS account id" in result.output
    assert "'Prod' is not lower-case letters" in result.output
    assert "prod: region [eu-west-1]" in result.output
    config = load_mesh(tmp_path / "mesh")
    assert config.mesh.org == "globex"
    assert [(e.account, e.region) for e in config.environments] == [
        ("123456789012", "eu-west-1"),
        ("210987654321", "eu-central-1"),
    ]
    assert [p.key for p in config.mesh.projects] == ["logistics-analytics"]
    assert "999999999999 (tools)" in result.output and "111111111111" not in result.output.split("Next steps")[1]


def test_on_a_terminal_what_the_options_give_is_not_asked(tmp_path, terminal):
    options = ["--org", "acme", "--environments", "dev", "--account", "123456789012", "--region", "eu-west-1"]
    options += ["--identity-center-arn", "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"]
    options += ["--tools-account", "456789012345", "--business-unit", "sales", "--project", "analytics"]

    # No input at all: a single question would abort the command.
    init(tmp_path / "mesh", *options)

    assert load_mesh(tmp_path / "mesh").environments[0].account == "123456789012"


def test_no_input_asks_nothing_even_on_a_terminal(tmp_path, terminal):
    init(tmp_path / "mesh", "--no-input")

    assert load_mesh(tmp_path / "mesh").mesh.org == "acme"


def test_a_folder_that_is_not_empty_is_refused_unless_forced(tmp_path):
    target = tmp_path / "mesh"
    target.mkdir()
    (target / "mesh.yaml").write_text("org: mine\n")

    result = runner.invoke(app, ["init", str(target)], input="")

    assert result.exit_code == 1
    assert f"{target} is not empty" in result.output and "--force" in result.output
    assert (target / "mesh.yaml").read_text() == "org: mine\n"
    assert sorted(p.name for p in target.iterdir()) == ["mesh.yaml"]

    init(target, "--force")
    assert load_mesh(target).mesh.org == "acme"


def test_bad_options_are_reported_together_and_nothing_is_written(tmp_path):
    target = tmp_path / "mesh"
    options = ["--org", "Acme Corp", "--account", "dev=1234", "--account", "qa=123456789012", "--region", "mars"]
    result = runner.invoke(app, ["init", str(target), *options], input="")

    assert result.exit_code == 1
    assert "--org: 'Acme Corp' is not lower-case letters" in result.output
    assert "--account dev: '1234' is not a 12-digit AWS account id" in result.output
    assert "--account qa=123456789012: 'qa' is not one of the environments (dev, prod)" in result.output
    assert "--region dev: 'mars' is not an AWS region name" in result.output
    assert "Traceback" not in result.output
    assert not target.exists()


def test_a_mesh_the_loader_would_refuse_is_not_written(tmp_path):
    # Valid answers whose derived names are too long for DataZone (<org>-<env>-unified-domain <= 64).
    target = tmp_path / "mesh"
    result = runner.invoke(app, ["init", str(target), "--org", "a" + "-b" * 30], input="")

    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert f"{target}/mesh.yaml:6  org" in result.output and "use a shorter 'org'" in result.output
    assert "datamesh-init-" not in result.output
    assert not target.exists()


def test_the_comprehensive_sample_needs_two_environments(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "m"), "--comprehensive", "--environments", "dev"], input="")

    assert result.exit_code == 1
    assert "name at least two environments" in result.output


def test_the_comprehensive_sample_synthesizes_as_written(comprehensive_starter_app):
    names = {s.stack_name for s in comprehensive_starter_app.stacks()}

    # Every part of the mesh is exercised: governance, catalogs, products, subscriptions, shares, teams.
    for name in ("acme-dev-governance", "acme-dev-catalogs", "acme-dev-products-1", "acme-dev-subscriptions"):
        assert name in names
    assert {"acme-prod-shares", "acme-dev-shared-data", "acme-prod-team-grants"} <= names
    # layout.unit_stacks: 1 puts the unit tree in a nested stack of the domain stack.
    assert list(comprehensive_starter_app.outdir.glob("assembly-*-dev/*DomainUnits*.nested.template.json"))


def _model_fields(model: type[BaseModel], skipped: frozenset[str], prefix: str = "") -> set[str]:
    """Every key path a model reaches ('projects.owners.group'), except the skipped subtrees."""
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if path in skipped:
            continue
        paths.add(path)
        for inner in _models_in(info.annotation):
            paths |= _model_fields(inner, skipped, f"{path}.")
    return paths


def _models_in(annotation) -> list[type[BaseModel]]:
    found = [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []
    for arg in getattr(annotation, "__args__", ()) or ():
        found += _models_in(arg)
    return found


def _written(value, prefix: str = "") -> set[str]:
    """Every key path written in a parsed YAML document (list items share their list's path)."""
    if isinstance(value, list):
        return set().union(*(_written(item, prefix) for item in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    paths: set[str] = set()
    for key, inner in value.items():
        paths.add(f"{prefix}{key}")
        paths |= _written(inner, f"{prefix}{key}.")
    return paths


def _model_keys(paths: set[str]) -> set[str]:
    """Without the keys of free-form mappings (tag names, group names, form fields)."""
    return {p for p in paths if not re.search(r"(^|\.)(tags|identity_center\.groups|forms)\.", p)}


@pytest.mark.parametrize(
    ("files", "model", "commented"),
    [
        (["mesh.yaml"], MeshDefinition, COMMENTED_MESH_KEYS),
        (["dev.yaml", "prod.yaml"], EnvironmentConfig, COMMENTED_ENVIRONMENT_KEYS),
    ],
    ids=["mesh", "environments"],
)
def test_the_comprehensive_sample_sets_or_comments_every_key(tmp_path, files, model, commented):
    init(tmp_path / "mesh", "--comprehensive")
    texts = {name: (tmp_path / "mesh" / name).read_text() for name in files}
    written = set().union(*(_model_keys(_written(yaml.safe_load(t))) for t in texts.values()))

    # Partition keys are columns (one model): their keys are explained once, under columns.
    missing = {p.replace(".partition_keys.", ".columns.") for p in _model_fields(model, commented)} - {
        p.replace(".partition_keys.", ".columns.") for p in written
    }
    assert not missing, f"keys neither set nor commented in the comprehensive {files}: {sorted(missing)}"
    assert not written & commented
    for name, text in texts.items():
        for path in commented:
            leaf = path.rpartition(".")[2]
            assert re.search(rf"^\s*#\s*(- )?{leaf}:", text, re.MULTILINE), f"{name}: {path} is not a comment"
        # Every top-level key is explained by a comment on its line or just above it.
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^[a-z_]+:", line):
                assert "#" in line or lines[i - 1].startswith("#"), f"{name}: '{line}' has no comment"


def test_no_internal_history_words_in_the_samples(tmp_path):
    init(tmp_path / "minimal")
    init(tmp_path / "full", "--comprehensive")

    text = " ".join(p.read_text() for p in tmp_path.glob("*/*.yaml")).lower()
    assert "seed" not in text


def test_a_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("")
    target = tmp_path / "a-file" / "mesh"

    result = runner.invoke(app, ["init", str(target)], input="")

    assert result.exit_code == 1
    assert result.output.strip() == f"error: cannot write {target}: Not a directory; choose another folder"


def test_an_environment_listed_twice_is_reported_once_per_problem(tmp_path):
    result = runner.invoke(
        app, ["init", str(tmp_path / "m"), "--environments", "dev,dev", "--region", "mars"], input=""
    )

    assert result.exit_code == 1
    assert result.output.count("--region dev: 'mars' is not an AWS region name") == 1
    assert "--environments: listed more than once: dev" in result.output


def test_a_mesh_in_china_names_the_aws_cn_partition(tmp_path):
    init(tmp_path / "cn", "--comprehensive", "--region", "cn-north-1")
    text = " ".join(p.read_text() for p in (tmp_path / "cn").glob("*.yaml"))
    assert "arn:aws-cn:codeconnections:cn-north-1:" in text and "arn:aws-cn:iam::" in text
    assert "arn:aws:codeconnections" not in text and "arn:aws:iam::" not in text and "arn:aws:sns" not in text
