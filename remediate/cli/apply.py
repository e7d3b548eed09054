"""`remediate apply [PLAN_FILE]`: make exactly the planned changes, journaled, verified, reverted on failure."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode, for_run
from remediate.engine.fleet import select_hosts
from remediate.engine.model import Plan
from remediate.engine.run import apply_plan, check_plan_inputs, make_plan
from remediate.errors import InputError, Location
from remediate.journal import Journal
from remediate.reports.terminal import print_plan, print_run
from remediate.validation import input_path


@click.command("apply")
@click.argument("plan_file", type=click.Path(path_type=Path), required=False)
@common.inputs_options
@common.run_options
@common.state_option
@common.json_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def apply_command(plan_file: Path | None, inventory: Path, playbooks: tuple[Path, ...], limit: str | None,
                  forks: int, state_dir: Path | None, as_json: bool, yes: bool) -> int:
    """Apply a saved plan exactly, or plan now and apply after confirmation."""
    ctx = common.build_context(inventory, playbooks, forks)
    out = common.console(as_json)
    try:
        if plan_file is not None:
            plan = load_plan_file(plan_file)
            check_plan_inputs(plan)
            unknown = [h.host for h in plan.hosts if h.host not in ctx.inventory.hosts]
            if unknown:
                raise InputError(Location(str(plan_file), None, "hosts"),
                                 f"host(s) not in the inventory {inventory}: {', '.join(unknown)}")
            if limit:
                keep = set(select_hosts(ctx.inventory, limit))
                plan.hosts = [h for h in plan.hosts if h.host in keep]
            ctx.pool.check_credentials([h.host for h in plan.hosts])
        else:
            plan = make_plan(ctx, select_hosts(ctx.inventory, limit))
            if not as_json:
                print_plan(plan, out)
            if plan.change_count == 0:
                out.print("Nothing to change.")
                return for_plan_errors(plan)
            if not yes and not click.confirm(f"Apply {plan.change_count} change(s)?", default=False, err=as_json):
                out.print("Nothing applied.")
                return ExitCode.REFUSED
        journal = Journal(state_dir or common.default_state_dir())
        try:
            result = apply_plan(ctx, plan, journal, common.command_text())
        finally:
            journal.close()
    finally:
        ctx.pool.close_all()
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        print_run(result, out)
    return for_run(result)


def for_plan_errors(plan: Plan) -> int:
    return ExitCode.ERROR if plan.has_errors else ExitCode.OK


def load_plan_file(path: Path) -> Plan:
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read plan file: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Location(str(path), exc.lineno), f"not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("format") != "remediate.plan":
        raise InputError(Location(str(path), None, "format"), "not a remediate plan file "
                         "(expected format: remediate.plan)")
    if data.get("version") != 1:
        raise InputError(Location(str(path), None, "version"),
                         f"plan format version {data.get('version')!r} is not supported (expected 1)")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in input_path(tuple(first["loc"]), data))
        raise InputError(Location(str(path), None, field), f"{first['msg']}") from None
