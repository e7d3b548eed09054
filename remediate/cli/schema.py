"""`remediate schema playbook|inventory|diagnosis`: print a JSON Schema for editors, linters and readers."""

from __future__ import annotations

import json

import click

from remediate.schema import SCHEMAS


@click.command("schema")
@click.argument("what", type=click.Choice(sorted(SCHEMAS)))
def schema_command(what: str) -> int:
    """Print the JSON Schema of playbook or inventory files (README, "Editor support") or of diagnose --json."""
    click.echo(json.dumps(SCHEMAS[what](), indent=2, sort_keys=True))
    return 0
