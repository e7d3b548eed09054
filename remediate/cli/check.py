"""`remediate check`: the read of `plan`, judged for CI, with reports. Never writes to a host.

Exit codes: 0 compliant (or only drift under `--fail-on error`), 2 unwaived drift (`--fail-on drift`, the
default), 1 error (a host or a setting could not be read, or bad input: inventory, playbooks, waivers, --report).
Inputs are all checked before any host is contacted, so a typo in a waiver file costs no WinRM round trip.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode
from remediate.engine.fleet import select_hosts
from remediate.engine.model import ItemStatus, PlanItem
from remediate.engine.progress import make_progress
from remediate.engine.run import make_plan
from remediate.reports.html import write_html
from remediate.reports.jsonreport import render_json, write_json
from remediate.reports.junit import write_junit
from remediate.reports.sarif import RuleInfo, rule_infos, write_sarif
from remediate.reports.terminal import print_host
from remediate.reports.values import host_label
from remediate.reports.tsv import Label, write_plan
from remediate.safetext import markup
from remediate.waivers import Assessment, FailOn, WaiverEntry, assess, load_waivers

FORMATS = ("junit", "json", "html", "sarif")


@dataclass(frozen=True)
class ReportTarget:
    format: str
    path: Path


def parse_report(value: str) -> ReportTarget:
    """`FORMAT=PATH` -> ReportTarget; click.BadParameter (exit 1) names what is wrong."""
    fmt, sep, path = value.partition("=")
    fmt = fmt.strip().lower()
    if not sep or not path.strip():
        raise click.BadParameter(f"{value!r}: expected FORMAT=PATH, e.g. junit=reports/junit.xml",
                                 param_hint="--report")
    if fmt not in FORMATS:
        raise click.BadParameter(f"{value!r}: unknown format {fmt!r}; one of {', '.join(FORMATS)}",
                                 param_hint="--report")
    return ReportTarget(fmt, Path(path.strip()))


def _parse_reports(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[ReportTarget]:
    return [parse_report(v) for v in values]


def exit_code(assessment: Assessment) -> ExitCode:
    verdict = assessment.verdict
    if verdict == "error":
        return ExitCode.ERROR
    if verdict == "drift" and assessment.fail_on == "drift":
        return ExitCode.PENDING
    return ExitCode.OK


@click.command("check", epilog=common.examples(
    "remediate check -i inventory.yaml --report junit=reports/junit.xml --report html=reports/check.html",
    "remediate check -i inventory.yaml --waivers waivers.yaml --fail-on error --format tsv",
))
@common.inputs_options
@common.run_options
@common.format_option
@common.progress_option
@click.option("--fail-on", "fail_on", type=click.Choice(["drift", "error"]), default="drift", show_default=True,
              help="What fails the check: drift (exit 2; errors exit 1) or only errors (drift alone exits 0).")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH", callback=_parse_reports,
              help=f"Write a report (repeatable); FORMAT is one of {', '.join(FORMATS)}.")
@click.option("--waivers", "waivers_file", type=click.Path(path_type=Path), default=None,
              help="YAML file of accepted, dated exceptions: waivers: [{host, rule, justification, expires}].")
def check_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None, forks: int, output_format: str,
                  as_json: bool, progress: str, fail_on: FailOn, reports: list[ReportTarget],
                  waivers_file: Path | None) -> int:
    """Check hosts against the playbooks for CI: exit 0 compliant, 2 drift, 1 error. Never writes."""
    fmt = common.output_format(output_format, as_json)
    waivers: list[WaiverEntry] = load_waivers(waivers_file) if waivers_file is not None else []
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    hosts = select_hosts(ctx.inventory, limit)
    try:
        plan = make_plan(ctx, hosts)
    finally:
        ctx.pool.close_all()
    assessment = assess(plan, waivers, fail_on=fail_on, waiver_file=str(waivers_file) if waivers_file else None,
                        known_rules={src.id for src in ctx.catalog.rules})
    code = exit_code(assessment)
    rules = rule_infos(assessment, ctx.catalog)
    out = common.console(fmt in ("json", "tsv"))
    written = [_write(target, assessment, code, rules) for target in reports]
    if fmt == "json":
        common.echo_json(render_json(assessment, code))
    elif fmt == "tsv":
        write_plan(assessment.plan, sys.stdout, _waived_label(assessment))
        out.print(summary_line(assessment, code))
    else:
        print_check(assessment, code, out)
    for target in written:
        out.print(f"Report {target.format}: {markup(str(target.path))}")
    return code


def _write(target: ReportTarget, assessment: Assessment, code: int, rules: dict[str, RuleInfo]) -> ReportTarget:
    # CI jobs name report paths under a folder that may not exist yet; creating it beats a failed job.
    target.path.parent.mkdir(parents=True, exist_ok=True)
    if target.format == "junit":
        write_junit(assessment, target.path)
    elif target.format == "json":
        write_json(assessment, code, target.path)
    elif target.format == "html":
        write_html(assessment, target.path, rules)
    else:
        write_sarif(assessment, target.path, rules)
    return target


def _waived_label(assessment: Assessment) -> Label:
    """An item's status for TSV: `waived` where an unexpired waiver covers its drift, else the plan's status."""

    def label(host: str, index: int, item: PlanItem) -> str:
        waiver = assessment.waiver_for(host, index)
        if waiver is not None and waiver.status == "waived" and item.status is not ItemStatus.ERROR:
            return "waived"
        return item.status.value

    return label


def print_check(assessment: Assessment, code: int, console: Console) -> None:
    """Per host, as plan shows it, with what a waiver did to each deviation; then unused waivers and the verdict."""
    for host in assessment.plan.hosts:
        failing = {i.status for n, i in enumerate(host.items) if assessment.is_failing_drift(host.host, n, i)}
        state = host_label(host, failing)

        def annotate(index: int, item: PlanItem, host_name: str = host.host) -> tuple[str, list[str]]:
            waiver = assessment.waiver_for(host_name, index)
            if waiver is None or item.status is ItemStatus.ERROR:
                return item.status.value, []
            w = waiver.entry.waiver
            if waiver.status == "waived":
                return "waived", [f"[green]waived[/] until {w.expires.isoformat()} by {markup(waiver.entry.where)}: "
                                  f"{markup(w.justification)}"]
            return item.status.value, [f"[yellow]waiver {markup(waiver.entry.where)} EXPIRED on "
                                       f"{w.expires.isoformat()}[/]: it no longer waives this drift"]

        print_host(host, console, state, annotate)
    for unused in assessment.unused:
        e = unused.entry
        console.print(f"[yellow]warning:[/] unused waiver {markup(e.where)} (host {markup(e.waiver.host)}, rule "
                      f"{markup(e.waiver.rule)}): {markup(unused.reason)}")
    console.print("\n" + summary_line(assessment, code))


def summary_line(assessment: Assessment, code: int) -> str:
    c: dict[str, Any] = assessment.counts()
    parts = [f"{c['drift']} drift", f"{c['waived']} waived"]
    if c["expired_waivers"]:
        parts.append(f"{c['expired_waivers']} hit an expired waiver")
    if c["unused_waivers"]:
        parts.append(f"{c['unused_waivers']} unused waiver(s)")
    parts.append(f"{c['errors']} error(s)")
    return (f"Check: {assessment.verdict} on {c['hosts']} host(s) ({c['hosts_drift']} with drift, "
            f"{c['hosts_error']} with errors): {', '.join(parts)}; fail on {assessment.fail_on} -> exit {int(code)}.")
