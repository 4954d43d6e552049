"""Global options after the command, as the AWS CLI and kubectl accept them:
`datamesh projects list --env dev` is read as `datamesh --env dev projects list`.

The root group moves each of its own options (and its value) that appears after the command path
in front of that path before parsing, so the options are declared once, on the root callback.
Scanning follows the command path, so a value of a command's option is never mistaken for a
global option, a command's own option of the same name (`projects new --profile`, the project
profile) stays the command's, and everything after `--` is left alone. Given twice, the later
one wins, as click does for any repeated option.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typer.core import TyperGroup

# Typer builds on its own copy of click (typer._click): its commands, contexts and options are
# handled here through the attributes every click version has.
Command = Any
Context = Any
# The root's options that are not the mesh's global options: Typer's own, and --version (it
# prints and exits before any command, so it means nothing after one).
NOT_GLOBAL = frozenset({"install_completion", "show_completion", "version"})


def _options(command: Command) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option" and p.name not in NOT_GLOBAL]


def value_options(command: Command) -> dict[str, bool]:
    """Option spelling (--env, -e, --no-assume) -> whether it takes a value."""
    out: dict[str, bool] = {}
    for param in _options(command):
        for spelling in (*param.opts, *param.secondary_opts):
            out[spelling] = not (param.is_flag or param.count)
    return out


def _spelling(token: str, options: dict[str, bool]) -> tuple[str | None, bool]:
    """The option ``token`` spells, and whether its value is attached (--env=dev, -edev)."""
    if token in options:
        return token, False
    name, eq, _ = token.partition("=")
    if eq and name.startswith("--") and name in options:
        return name, True
    short = token[:2]
    if not token.startswith("--") and len(token) > 2 and options.get(short):
        return short, True
    return None, False


def _subcommand(command: Command, ctx: Context, name: str) -> Command | None:
    get = getattr(command, "get_command", None)
    return get(ctx, name) if get is not None else None


def _with_value(token: str, tokens: Iterator[str], takes_value: bool) -> list[str]:
    """The option and, when it takes one, its value (none left: click then says it is missing)."""
    value = next(tokens, None) if takes_value else None
    return [token] if value is None else [token, value]


def hoist(root: Command, ctx: Context, args: list[str]) -> list[str]:
    """``args`` with the root's options that follow the command path moved just before it."""
    globals_ = value_options(root)
    before: list[str] = []  # the root's own part, up to the command name
    hoisted: list[str] = []
    after: list[str] = []
    command = root
    tokens: Iterator[str] = iter(args)
    for token in tokens:
        if token == "--":
            after += [token, *tokens]
            break
        own = value_options(command)
        name, attached = _spelling(token, own)
        if name is not None:  # the current command's option, with its value
            (before if command is root else after).extend(_with_value(token, tokens, own[name] and not attached))
            continue
        name, attached = _spelling(token, globals_)
        if name is not None:  # a global option after the command path
            moved = _with_value(token, tokens, globals_[name] and not attached)
            if len(moved) == 1 and globals_[name] and not attached:
                # Moved alone it would take the command's name as its value.
                ctx.fail(f"Option '{token}' requires an argument.")
            hoisted += moved
            continue
        if not token.startswith("-"):
            sub = _subcommand(command, ctx, token)
            command = sub if sub is not None else command
        (before if command is root else after).append(token)
    return [*before, *hoisted, *after]


def help_note(root: Command, command: Command) -> str:
    """What a command's --help says about the global options."""
    globals_ = [p.opts[0] for p in _options(root)]
    shadowed = [g for g in globals_ if g in value_options(command)]
    note = f"Global options ({', '.join(globals_)}; see datamesh --help) go before or after the command."
    if shadowed:
        note += f" This command's own {', '.join(shadowed)} is not the global one: give that before the command."
    return note


def _leaves(command: Command) -> Iterator[Command]:
    children = getattr(command, "commands", None)
    if children is None:
        yield command
        return
    for child in children.values():
        yield from _leaves(child)


class GlobalOptionsGroup(TyperGroup):
    """The root group: its options are accepted after the command too (module docstring)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for command in _leaves(self):
            note = help_note(self, command)
            command.epilog = f"{command.epilog}\n\n{note}" if command.epilog else note

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist(self, ctx, args))
