"""What several commands share: options, loading inputs, the console. No engine logic here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from remediate.assets import asset_dir
from remediate.engine.fleet import DEFAULT_FORKS, ConnectionPool
from remediate.engine.run import RunContext
from remediate.inventory import load_inventory
from remediate.playbook import load_catalog
from remediate.safetext import SafeConsole, json_text
from remediate.transport.policy import warn_unverified

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_PLAYBOOK = "event-4006.yaml"


def default_state_dir() -> Path:
    if os.environ.get("REMEDIATE_STATE_DIR"):
        return Path(os.environ["REMEDIATE_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "remediate"


def packaged_playbook(name: str = DEFAULT_PLAYBOOK) -> Path:
    return asset_dir("playbooks") / name


def inputs_options(fn: F) -> F:
    fn = click.option("-i", "--inventory", "inventory", type=click.Path(path_type=Path), required=True,
                      help="Inventory YAML file.")(fn)
    fn = click.option("-p", "--playbook", "playbooks", type=click.Path(path_type=Path), multiple=True,
                      help="Playbook YAML file, or a folder of them (its *.yaml, *.yml); repeatable. Default: the "
                           "packaged event-4006 catalog.")(fn)
    return fn


def run_options(fn: F) -> F:
    fn = click.option("--limit", default=None, help="Hosts, groups or globs, comma separated; !pattern excludes.")(fn)
    fn = click.option("--forks", type=click.IntRange(1, 1000), default=DEFAULT_FORKS, show_default=True,
                      help="Hosts in flight at once.")(fn)
    return fn


def progress_option(fn: F) -> F:
    return click.option("--progress", "progress", type=click.Choice(["auto", "terminal", "plain", "none"]),
                        default="auto", show_default=True,
                        help="Progress on stderr: a live display on a terminal, timestamped lines otherwise (auto), "
                             "or none.")(fn)


def state_option(fn: F) -> F:
    return click.option("--state-dir", type=click.Path(path_type=Path), default=None,
                        help="Where the run journal lives (default $REMEDIATE_STATE_DIR or "
                             "~/.local/state/remediate).")(fn)


def open_journal(state_dir: Path | None, inventory: Any = None) -> Any:
    """The run journal: the inventory's `journal:`, else REMEDIATE_JOURNAL, else SQLite in the state directory."""
    from remediate.journal import open_journal as _open

    return _open(state_dir or default_state_dir(), getattr(inventory, "journal", None))


def json_option(fn: F) -> F:
    """`--json` alone, for a command whose text is not a table (diagnose); tables take `format_option`."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(fn)


FORMATS = ("auto", "table", "plain", "tsv", "json")


def format_option(fn: F) -> F:
    """`--format` and its shorthand `--json`; the command reads both through `output_format`."""
    fn = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (same as --format json).")(fn)
    fn = click.option("--format", "output_format", type=click.Choice(FORMATS), default="auto", show_default=True,
                      help="table: for a terminal; plain: one line per item, never wrapped; tsv: tab-separated with a "
                           "header line, for scripts; json: the full result. auto: table on a terminal, plain "
                           "otherwise.")(fn)
    return fn


def output_format(chosen: str, as_json: bool) -> str:
    """The format to print in: `--json` wins, `auto` is `table` on a terminal and `plain` when piped."""
    if as_json:
        if chosen not in ("auto", "json"):
            raise click.UsageError(f"--json and --format {chosen} contradict each other; give one of them")
        return "json"
    if chosen == "auto":
        return "table" if _isatty(sys.stdout) else "plain"
    return chosen


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def build_context(inventory: Path, playbooks: tuple[Path, ...], forks: int = DEFAULT_FORKS) -> RunContext:
    inv = load_inventory(inventory)
    warn_unverified(inv)  # every run, naming each host whose identity is not checked
    catalog = load_catalog(list(playbooks) or [packaged_playbook()])
    return RunContext(inventory=inv, catalog=catalog, pool=ConnectionPool(inv, forks=forks), forks=forks)


def console(as_json: bool = False) -> Console:
    # With --json, human text goes to stderr so stdout stays one parseable document. SafeConsole: no text it
    # writes can act on the terminal (remediate/safetext.py); values still go in through safetext.markup.
    return SafeConsole(stderr=as_json, highlight=False, soft_wrap=True)


def echo_json(document: str) -> None:
    """A JSON document on stdout, its strings' control and bidi characters as \\u escapes (the same JSON)."""
    click.echo(json_text(document))


_INVOCATION: list[str] | None = None


def set_invocation(argv: list[str]) -> None:
    """The arguments `remediate` was given (main() calls this): the journal records them, resume lines reuse them."""
    global _INVOCATION
    _INVOCATION = list(argv)


def invocation() -> list[str]:
    return list(_INVOCATION if _INVOCATION is not None else sys.argv[1:])


def command_text() -> str:
    return " ".join(["remediate", *invocation()])


def examples(*lines: str) -> str:
    """A command's help epilog: its examples, shown last and kept as written (click's \\b: no rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def stdin_is_terminal() -> bool:
    return _isatty(sys.stdin)
