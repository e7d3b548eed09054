"""The `remediate` command: wires subcommands and turns errors into exit codes, in one place."""

from __future__ import annotations

import os
import sys

import click

from remediate import __version__
from remediate.cli.apply import apply_command
from remediate.cli.check import check_command
from remediate.cli.exitcodes import ExitCode
from remediate.cli.history import history_command
from remediate.cli.plan import plan_command
from remediate.cli.rollback import rollback_command
from remediate.cli.schema import schema_command
from remediate.cli.unlock import unlock_command
from remediate.cli.validate import validate_command
from remediate.errors import RefusedError, RemediateError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="remediate")
def cli() -> None:
    """Find and fix the causes of Exchange event 4006 over WinRM: plan, apply, rollback."""


for command in (plan_command, apply_command, rollback_command, history_command, validate_command, check_command,
                schema_command, unlock_command):
    cli.add_command(command)


def _register_optional() -> None:
    # The lab and the demo pull in the simulated fleet; keep them out of the import path of plain runs.
    from remediate.cli.demo import demo_command
    from remediate.cli.lab import lab_group

    cli.add_command(lab_group)
    cli.add_command(demo_command)


def main(argv: list[str] | None = None) -> int:
    _register_optional()
    try:
        result = cli.main(args=argv, prog_name="remediate", standalone_mode=False)
    except RefusedError as exc:
        click.echo(f"refused: {exc}", err=True)
        return ExitCode.REFUSED
    except RemediateError as exc:
        click.echo(f"error: {exc}", err=True)
        return ExitCode.ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return ExitCode.ERROR
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one clear line, not a wall of internals
        if os.environ.get("REMEDIATE_DEBUG"):
            raise
        click.echo(f"internal error (a bug in remediate, please report it): {type(exc).__name__}: {exc}; "
                   "set REMEDIATE_DEBUG=1 to see the traceback", err=True)
        return ExitCode.ERROR
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
