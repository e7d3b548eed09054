"""`remediate schema playbook|inventory|diagnosis`: print a JSON Schema for editors, linters and readers."""

from __future__ import annotations

import json

import click

from remediate.cli import common
from remediate.schema import SCHEMAS


@click.command("schema", epilog=common.examples(
    "remediate schema playbook > remediate-playbook.schema.json",
    "remediate schema inventory > remediate-inventory.schema.json",
))
@click.argument("what", type=click.Choice(sorted(SCHEMAS)))
def schema_command(what: str) -> int:
    """Print the JSON Schema of playbook or inventory files (README, "Editor support") or of diagnose --json."""
    click.echo(json.dumps(SCHEMAS[what](), indent=2, sort_keys=True))
    return 0
