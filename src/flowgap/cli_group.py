"""The command line's Typer group: its usage errors in one line, its help shown as written."""

from __future__ import annotations

import sys

import typer
from typer.core import DEFAULT_MARKUP_MODE, TyperGroup


class OneLineErrors(TyperGroup):
    """Usage errors (a missing argument, an unknown option, a value out of range) as one line
    on stderr with exit code 2, like every other error: Typer draws them as a boxed panel
    with the usage above it."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: object,
    ) -> object:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            # Not standalone: Click raises its usage errors here instead of printing them.
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.TyperException as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # as Typer tells it, not importable
                if DEFAULT_MARKUP_MODE != "rich":
                    err.show()  # Rich printed the help already
                sys.exit(2)
            ctx = getattr(err, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            message = " ".join(err.format_message().split())
            typer.echo(f"flowgap: error: {message.rstrip('.')}{hint}", err=True)
            sys.exit(err.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def plain(text: str) -> str:
    """Help text shown as written: Typer reads help as Rich markup, where the name of a config
    section such as "[engine.spark]" is taken for a style tag and vanishes."""
    return text.replace("[", "\\[") if DEFAULT_MARKUP_MODE == "rich" else text
