"""The YAML edits (MeshEditor, `datamesh projects ...`) read and write only the mesh's own files,
like the loader: a mesh.yaml or an environment file linked outside the mesh folder is refused with
the loader's message, nothing outside is read into a message or a diff, and nothing outside is
written, even when a link is swapped in while the edit runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datamesh import cli
from datamesh.errors import MeshError
from datamesh.services import yaml_edits
from datamesh.services.yaml_edits import MeshEditor
from mesh_config import ConfigError, load_mesh

SECRET = "password: hunter2\n"
NEW_MEMBER = "contributors: [{group: data-scientists, environments: [dev]}]"


def _outside(env_dir: Path, name: str, text: str) -> Path:
    """A file beside the mesh folder, which the editor must never read nor write."""
    folder = env_dir.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _link_outside(env_dir: Path, name: str) -> Path:
    """``name`` in the mesh folder becomes a link to a copy of itself outside, plus a secret."""
    target = _outside(env_dir, name, (env_dir / name).read_text(encoding="utf-8") + SECRET)
    (env_dir / name).unlink()
    (env_dir / name).symlink_to(target)
    return target


def _add_member(env_dir: Path, *, write: bool) -> yaml_edits.YamlEdit:
    return MeshEditor(env_dir).add_member(
        "sales-analytics", "data-scientists", owner=False, environments=["dev"], write=write
    )


# Audit hooks cannot be removed: one hook, recording only while a test listens.
_OPENED: list[list[str]] = []
sys.addaudithook(lambda event, args: _OPENED[-1].append(str(args[0])) if _OPENED and event == "open" else None)


# --- an environment file or folder linked outside -------------------------------------------


def test_environment_file_linked_outside_is_refused_without_reading_it(env_dir: Path) -> None:
    target = _link_outside(env_dir, "dev.yaml")
    before = (env_dir / "mesh.yaml").read_text(encoding="utf-8")
    _OPENED.append([])
    try:
        with pytest.raises(MeshError) as raised:
            _add_member(env_dir, write=True)
    finally:
        opened = _OPENED.pop()

    message = str(raised.value)
    assert "dev.yaml" in message and "leads outside the mesh folder" in message
    assert "password" not in message and "hunter2" not in message, message
    assert str(target.parent) not in message
    assert not [p for p in opened if "outside" in p], opened
    assert (env_dir / "mesh.yaml").read_text(encoding="utf-8") == before


def test_linked_folder_leading_outside_is_refused_without_reading_it(env_dir: Path) -> None:
    # A copy of the folder would have copied what the link points to, and validated that.
    target = _outside(env_dir, "dev.yaml", (env_dir / "dev.yaml").read_text(encoding="utf-8") + SECRET)
    (env_dir / "shared").symlink_to(target.parent, target_is_directory=True)
    (env_dir / "dev.yaml").unlink()
    (env_dir / "dev.yaml").symlink_to(Path("shared") / "dev.yaml")

    with pytest.raises(MeshError) as raised:
        _add_member(env_dir, write=False)

    assert "leads outside the mesh folder" in str(raised.value)
    assert "hunter2" not in str(raised.value)


# --- mesh.yaml linked outside ---------------------------------------------------------------


@pytest.mark.parametrize("write", [True, False])
def test_mesh_file_linked_outside_is_neither_read_nor_written(env_dir: Path, write: bool) -> None:
    target = _link_outside(env_dir, "mesh.yaml")
    outside = target.read_text(encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        _add_member(env_dir, write=write)

    [issue] = raised.value.issues
    assert Path(issue.file) == env_dir / "mesh.yaml"
    assert "leads outside the mesh folder" in issue.problem and "not read" in issue.problem
    assert "hunter2" not in raised.value.render()
    assert target.read_text(encoding="utf-8") == outside
    assert (env_dir / "mesh.yaml").is_symlink(), "the link is left as it was"


def test_mesh_file_linked_outside_is_one_clean_error_in_the_cli(env_dir: Path) -> None:
    target = _link_outside(env_dir, "mesh.yaml")
    outside = target.read_text(encoding="utf-8")

    result = CliRunner().invoke(
        cli.app, ["--mesh-dir", str(env_dir), "projects", "add-member", "sales-analytics", "data-scientists"]
    )

    assert result.exit_code == 1
    assert "leads outside the mesh folder" in result.output
    assert "Traceback" not in result.output and "hunter2" not in result.output
    assert "@@" not in result.output, "no diff of the outside file"
    assert target.read_text(encoding="utf-8") == outside


def test_mesh_file_linked_outside_during_the_edit_is_not_written(env_dir: Path, monkeypatch) -> None:
    # mesh.yaml is replaced by a link to a file outside after it was read and validated.
    target = _outside(env_dir, "mesh.yaml", SECRET)
    real_load = yaml_edits.load_mesh

    def load_then_swap(*args, **kwargs):
        config = real_load(*args, **kwargs)
        (env_dir / "mesh.yaml").unlink()
        (env_dir / "mesh.yaml").symlink_to(target)
        return config

    monkeypatch.setattr(yaml_edits, "load_mesh", load_then_swap)

    with pytest.raises(ConfigError) as raised:
        _add_member(env_dir, write=True)

    assert "leads outside the mesh folder" in raised.value.render()
    assert target.read_text(encoding="utf-8") == SECRET


def test_a_mesh_file_changed_during_the_edit_is_not_overwritten(env_dir: Path, monkeypatch) -> None:
    real_load = yaml_edits.load_mesh

    def load_then_edit(*args, **kwargs):
        config = real_load(*args, **kwargs)
        with (env_dir / "mesh.yaml").open("a", encoding="utf-8") as f:
            f.write("# someone else's edit\n")
        return config

    monkeypatch.setattr(yaml_edits, "load_mesh", load_then_edit)

    with pytest.raises(MeshError, match="changed while"):
        _add_member(env_dir, write=True)

    assert (env_dir / "mesh.yaml").read_text(encoding="utf-8").endswith("# someone else's edit\n")


# --- the write itself -----------------------------------------------------------------------


def test_folder_swapped_for_a_link_before_the_write_is_not_followed(env_dir: Path) -> None:
    # The path was checked inside (conf/mesh.yaml), then conf/ became a link to a folder outside.
    target = _outside(env_dir, "mesh.yaml", SECRET)
    (env_dir / "conf").symlink_to(target.parent, target_is_directory=True)
    folder = env_dir.resolve()

    with pytest.raises(MeshError, match="became a symbolic link"):
        yaml_edits._replace_inside(folder, folder / "conf" / "mesh.yaml", "org: x\n", env_dir / "mesh.yaml")

    assert target.read_text(encoding="utf-8") == SECRET
    assert not [p.name for p in target.parent.iterdir() if p.name != "mesh.yaml"], "no temporary file left"


def test_file_swapped_for_a_link_before_the_write_is_not_followed(env_dir: Path) -> None:
    target = _outside(env_dir, "mesh.yaml", SECRET)
    (env_dir / "mesh.yaml").unlink()
    (env_dir / "mesh.yaml").symlink_to(target)
    folder = env_dir.resolve()

    with pytest.raises(MeshError, match="became a symbolic link"):
        yaml_edits._replace_inside(folder, folder / "mesh.yaml", "org: x\n", env_dir / "mesh.yaml")

    assert target.read_text(encoding="utf-8") == SECRET
    assert sorted(p.name for p in env_dir.iterdir()) == ["dev.yaml", "mesh.yaml", "prod.yaml", "staging.yaml"]


def test_a_failed_write_leaves_the_file_whole_and_no_temporary_file(env_dir: Path, monkeypatch) -> None:
    before = (env_dir / "mesh.yaml").read_text(encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(yaml_edits.os, "replace", full_disk)

    with pytest.raises(MeshError, match=r"cannot write .*No space left on device, nothing written"):
        _add_member(env_dir, write=True)

    assert (env_dir / "mesh.yaml").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in env_dir.iterdir()) == ["dev.yaml", "mesh.yaml", "prod.yaml", "staging.yaml"]


# --- what still works -----------------------------------------------------------------------


def test_an_edit_is_written_in_place_and_keeps_the_file_mode(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    mesh.chmod(0o664)

    edit = _add_member(env_dir, write=True)

    assert edit.written and NEW_MEMBER in edit.diff
    assert NEW_MEMBER in mesh.read_text(encoding="utf-8")
    assert (mesh.stat().st_mode & 0o777) == 0o664
    assert sorted(p.name for p in env_dir.iterdir()) == ["dev.yaml", "mesh.yaml", "prod.yaml", "staging.yaml"]
    load_mesh(env_dir)


def test_mesh_file_linked_inside_the_folder_is_edited_through_the_link(env_dir: Path) -> None:
    (env_dir / "conf").mkdir()
    (env_dir / "mesh.yaml").rename(env_dir / "conf" / "mesh.yaml")
    (env_dir / "mesh.yaml").symlink_to(Path("conf") / "mesh.yaml")

    _add_member(env_dir, write=True)

    assert os.readlink(env_dir / "mesh.yaml") == str(Path("conf") / "mesh.yaml"), "the link is kept"
    assert NEW_MEMBER in (env_dir / "conf" / "mesh.yaml").read_text(encoding="utf-8")


def test_mesh_folder_named_through_a_link_is_edited(env_dir: Path) -> None:
    link = env_dir.parent / "linked-environments"
    link.symlink_to(env_dir, target_is_directory=True)

    _add_member(link, write=True)

    assert NEW_MEMBER in (env_dir / "mesh.yaml").read_text(encoding="utf-8")


def test_windows_line_endings_do_not_turn_every_line_into_a_change(env_dir: Path) -> None:
    mesh = env_dir / "mesh.yaml"
    mesh.write_bytes(mesh.read_bytes().replace(b"\n", b"\r\n"))

    edit = _add_member(env_dir, write=False)

    changed = [line for line in edit.diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed == [f"+    {NEW_MEMBER}"], edit.diff
