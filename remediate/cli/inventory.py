"""`remediate inventory import FILE`: an Ansible inventory as a remediate inventory (remediate/importers/ansible.py)."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import click
from ruamel.yaml import YAML

from remediate.cli import common
from remediate.errors import RemediateError
from remediate.safetext import markup


@click.group("inventory", epilog=common.examples(
    "remediate inventory import ansible/hosts.yml -o inventory.yaml",
))
def inventory_group() -> None:
    """Inventories from the tools administrators already use."""


@inventory_group.command("import", epilog=common.examples(
    "remediate inventory import ansible/hosts.yml -o inventory.yaml",
    "remediate inventory import ansible/hosts.ini --json > import-report.json",
))
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the remediate inventory here (default: print it).")
@click.option("--force", is_flag=True, help="Replace OUTPUT when it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (notes, unmapped variables) as JSON.")
def import_command(source: Path, output: Path | None, force: bool, as_json: bool) -> int:
    """Read an Ansible inventory (YAML or INI, with group_vars/ and host_vars/) with ansible-core and write a
    remediate inventory. Passwords are never copied: each becomes an {env: NAME} reference."""
    from remediate.importers.ansible import convert
    from remediate.inventory import load_inventory
    from remediate.securefiles import write_private

    result = convert(source)
    text = _render(result.inventory, source)
    problem = None
    with tempfile.TemporaryDirectory() as folder:
        # The same checks as every run (remediate validate's loader), before anything is written.
        check = Path(folder) / (output.name if output else "inventory.yaml")
        write_private(check, text, how="new", what="inventory check")
        try:
            load_inventory(check)
        except RemediateError as exc:
            problem = str(exc).replace(str(check), str(output or "the imported inventory"))
    if output is not None:
        if output.exists() and not force:
            raise RemediateError(f"{output} exists; use --force to replace it")
        write_private(output, text, how="replace", what="imported inventory")
    report = {"source": str(source), "output": str(output) if output else None,
              "hosts": sorted(result.inventory.get("hosts", {})), "skipped": result.skipped,
              "secrets": result.secrets, "notes": result.notes,
              "unmapped": {k: {"hosts": sorted(set(h)), "why": why} for k, (h, why) in sorted(result.unmapped.items())},
              "valid": problem is None, "problem": problem}
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        if output is None:
            click.echo(text, nl=False)
        _print_report(report)
    if problem is not None:
        raise RemediateError(f"the imported inventory does not load yet: {problem}")
    return 0


def _render(document: dict, source: Path) -> str:  # type: ignore[type-arg]
    stream = io.StringIO()
    stream.write(f"# Imported from the Ansible inventory {source} by `remediate inventory import`.\n"
                 "# Passwords are references: set the environment variables named under password: (or use\n"
                 "# {keyring: SERVICE/USERNAME}); the import report lists what had no counterpart.\n")
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.dump(document, stream)
    return stream.getvalue()


def _print_report(report: dict) -> None:  # type: ignore[type-arg]
    out = common.console(as_json=True)  # the report goes to stderr: stdout may carry the inventory
    where = report["output"] or "stdout"
    # Names and notes come from the imported inventory: shown escaped, never as markup or terminal control.
    out.print(markup(f"Imported {len(report['hosts'])} host(s) from {report['source']} to {where}."), highlight=False)
    for name, why in sorted(report["skipped"].items()):
        out.print(markup(f"skipped {name}: {why}"), highlight=False)
    for env, hosts in report["secrets"].items():
        out.print(markup(f"password: a password found in the inventory was not copied; set {env} to it before "
                         f"running remediate (hosts {', '.join(hosts)})"), highlight=False)
    for note in report["notes"]:
        out.print(markup(f"note: {note}"), highlight=False)
    for name, entry in report["unmapped"].items():
        out.print(markup(f"unmapped {name}: {entry['why']} (hosts {', '.join(entry['hosts'])})"), highlight=False)
