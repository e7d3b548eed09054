"""`remediate schema playbook|inventory`: print a JSON Schema for editors and linters."""

from __future__ import annotations

import json

import click

from remediate.schema import SCHEMAS


@click.command("schema")
@click.argument("what", type=click.Choice(sorted(SCHEMAS)))
def schema_command(what: str) -> int:
    """Print the JSON Schema of playbook or inventory files (see README, "Editor support")."""
    click.echo(json.dumps(SCHEMAS[what](), indent=2, sort_keys=True))
    return 0
