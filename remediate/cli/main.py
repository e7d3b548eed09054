"""The `remediate` command: wires subcommands and turns errors into exit codes, in one place."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from remediate import __version__, debug
from remediate.cli.apply import apply_command
from remediate.cli.check import check_command
from remediate.cli.common import examples, set_invocation
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=examples(
    "remediate demo",
    "remediate plan -i inventory.yaml -o plan.json && remediate apply plan.json -i inventory.yaml",
))
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


def report(prefix: str, exc: BaseException | str) -> None:
    """The one style of every problem the CLI reports: `error: ...`, `refused: ...`, `interrupted: ...` on stderr,
    one line per problem (an error that lists several, `problems`, gets one line each). Each line is masked and
    cleaned (remediate/safetext.py): a value in a message can neither act on the terminal nor forge a line."""
    problems = getattr(exc, "problems", None) if not isinstance(exc, str) else None
    for item in problems or [exc]:
        click.echo(f"{prefix}: {clean(mask(str(item)))}", err=True)


def main(argv: list[str] | None = None) -> int:
    _register_optional()
    args = list(argv) if argv is not None else sys.argv[1:]
    set_invocation(args)
    try:
        result = cli.main(args=args, prog_name="remediate", standalone_mode=False)
    # Messages are built never to hold a secret; mask() is the net under that rule (remediate/credentials.py).
    except RefusedError as exc:
        report("refused", exc)
        return ExitCode.REFUSED
    except RemediateError as exc:
        report("error", exc)
        return ExitCode.ERROR
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C and end-of-input (at a prompt) into Abort; say which it was.
        if isinstance(exc.__cause__, EOFError) or isinstance(exc.__context__, EOFError):
            report("error", "no answer: standard input ended at the prompt; nothing was done")
            return ExitCode.ERROR
        report("interrupted", "stopped before the end (Ctrl-C)")
        return ExitCode.INTERRUPTED
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `remediate` alone (click >= 8.2): the help, not an error
            click.echo(exc.format_message())
            return ExitCode.OK
        report("error", exc.format_message())
        command = exc.ctx.command_path if exc.ctx is not None else "remediate"
        click.echo(f"(see '{command} --help')", err=True)
        return ExitCode.ERROR
    except click.ClickException as exc:
        report("error", exc.format_message())
        return ExitCode.ERROR
    except KeyboardInterrupt:
        report("interrupted", "stopped before the end (Ctrl-C)")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one clear line, not a wall of internals
        if os.environ.get("REMEDIATE_DEBUG"):
            raise
        report("error", f"internal error (a bug in remediate, please report it): {type(exc).__name__}: "
                        f"{exc}; set REMEDIATE_DEBUG=1 to see the traceback")
        return ExitCode.ERROR
    finally:
        debug.disable()  # flush and close the trace file; in-process callers (tests) run main() many times
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
