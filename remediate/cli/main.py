"""The `remediate` command: wires subcommands and turns errors into exit codes, in one place."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from remediate import __version__, debug
from remediate.cli.apply import apply_command
from remediate.cli.check import check_command
from remediate.cli.diagnose import diagnose_command
from remediate.cli.exitcodes import ExitCode
from remediate.cli.history import history_command
from remediate.cli.inventory import inventory_group
from remediate.cli.plan import plan_command
from remediate.cli.rollback import rollback_command
from remediate.cli.schema import schema_command
from remediate.cli.unlock import unlock_command
from remediate.cli.validate import validate_command
from remediate.credentials import mask
from remediate.errors import RefusedError, RemediateError
from remediate.safetext import clean


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="remediate")
@click.option("--debug", "debug_trace", is_flag=True,
              help="Trace every WinRM exchange (HTTP legs and decrypted SOAP, credentials masked) to stderr.")
@click.option("--debug-log", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="Write the --debug trace to FILE instead (appended, created mode 600); implies --debug.")
def cli(debug_trace: bool, debug_log: Path | None) -> None:
    """Find and fix the causes of Exchange event 4006 over WinRM: plan, apply, rollback."""
    if debug_trace or debug_log is not None:
        try:
            debug.enable(debug_log)
        except OSError as exc:
            raise RemediateError(f"--debug-log {debug_log}: {exc.strerror or exc}") from None


for command in (diagnose_command, plan_command, apply_command, rollback_command, history_command, validate_command,
                check_command, schema_command, unlock_command, inventory_group):
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
    # Messages are built never to hold a secret; mask() is the net under that rule (remediate/credentials.py).
    except RefusedError as exc:
        click.echo(f"refused: {clean(mask(str(exc)))}", err=True)
        return ExitCode.REFUSED
    except RemediateError as exc:
        click.echo(f"error: {clean(mask(str(exc)))}", err=True)
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
        click.echo(f"internal error (a bug in remediate, please report it): {type(exc).__name__}: "
                   f"{clean(mask(str(exc)))}; set REMEDIATE_DEBUG=1 to see the traceback", err=True)
        return ExitCode.ERROR
    finally:
        debug.disable()  # flush and close the trace file; in-process callers (tests) run main() many times
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
