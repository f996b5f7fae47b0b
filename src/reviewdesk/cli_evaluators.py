"""`reviewdesk evaluators list|run`: the evaluators, and an offline run followed by a progress bar.

`run` starts the batch, then by default works as one more evaluator worker until the batch is done:
it claims due jobs from the shared job table, so it needs no server and is safe beside a running
`serve` or `reviewdesk worker` (a claim never hands one job to two workers). Like any worker it may
also run other due jobs it claims on the way (online scores, older batches). `--wait` only watches
while the server's worker thread or `reviewdesk worker` runs the jobs. Either way the bar follows
the batch's counts in the database, and an interrupted run loses nothing: its jobs stay queued.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import click

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.errors import NotFound

_db_option = click.option(
    "--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite)."
)


@click.group("evaluators")
def evaluators_group() -> None:
    """Code checks and LLM judges: list them, run one offline."""


@evaluators_group.command("list")
@_db_option
def list_command(db_url: str | None) -> None:
    """Every evaluator with its version, whether it runs online, and its jobs by status."""
    from reviewdesk.cli import _database
    from reviewdesk.services import evaluators

    db = _database(db_url)
    try:
        rows = evaluators.list_evaluators(db, SYSTEM_ACTOR)
    finally:
        db.dispose()
    if not rows:
        click.echo("no evaluators")
        return
    for row in rows:
        jobs = row["jobs"]
        waiting = jobs.get("pending", 0) + jobs.get("running", 0)
        failed = jobs.get("dead", 0) + jobs.get("skipped", 0)
        online = "online" if row["online"] else "offline"
        click.echo(
            f"{row['id']}  {row['name']}  {row['kind']} v{row['version']}  key={row['key']}  {online}"
            f"  done={jobs.get('done', 0)} waiting={waiting} failed={failed}"
        )


def _evaluator_id(db: Any, reference: str) -> uuid.UUID:
    """An evaluator named by its id or its name."""
    from reviewdesk.services import evaluators

    try:
        return uuid.UUID(reference)
    except ValueError:
        pass
    found = [e for e in evaluators.list_evaluators(db, SYSTEM_ACTOR) if e["name"] == reference]
    if len(found) != 1:
        raise NotFound(
            f"no evaluator named {reference!r}" if not found else f"several are named {reference!r}"
        )
    return found[0]["id"]


def _dataset_id(db: Any, reference: str) -> str:
    from reviewdesk.services import datasets

    try:
        return str(uuid.UUID(reference))
    except ValueError:
        return str(datasets.get_dataset_by_name(db, SYSTEM_ACTOR, reference)["id"])


@evaluators_group.command("run")
@_db_option
@click.argument("evaluator")
@click.option("--filter", "filter_text", default=None, help="Score the ended root runs this filter matches.")
@click.option("--dataset", default=None, help="Score a dataset's source runs (its id or name).")
@click.option("--dataset-version", type=int, default=None, help="That dataset version (default: newest).")
@click.option("--version", type=int, default=None, help="The evaluator version (default: newest).")
@click.option("--wait", is_flag=True, help="Only watch: leave the jobs to `serve` or `reviewdesk worker`.")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between looks at the progress.")
def run_command(
    db_url: str | None,
    evaluator: str,
    filter_text: str | None,
    dataset: str | None,
    dataset_version: int | None,
    version: int | None,
    wait: bool,
    poll: float,
) -> None:
    """Run EVALUATOR (id or name) over --filter or --dataset, with a progress bar until it ends."""
    from reviewdesk.cli import _database, _settings
    from reviewdesk.services import evaluator_runs
    from reviewdesk.services.destinations import guard_for

    if (filter_text is None) == (dataset is None):
        raise click.UsageError("give exactly one of --filter and --dataset")
    if dataset_version is not None and dataset is None:
        raise click.UsageError("--dataset-version goes with --dataset")
    settings = _settings(db_url)
    db = _database(db_url)
    guard = guard_for(settings)
    try:
        evaluator_id = _evaluator_id(db, evaluator)
        payload: dict[str, Any] = (
            {"filter": filter_text} if dataset is None else {"dataset_id": _dataset_id(db, dataset)}
        )
        if dataset_version is not None:
            payload["dataset_version"] = dataset_version
        if version is not None:
            payload["version"] = version
        started = evaluator_runs.start_run(db, SYSTEM_ACTOR, evaluator_id, payload)
        if started["total"] == 0:
            click.echo("no runs to score: the filter or dataset matched none")
            return
        click.echo(f"offline run {started['id']}: {started['total']} runs, version {started['version']}")
        final = _follow(db, guard, evaluator_id, started, inline=not wait, poll=poll)
    finally:
        db.dispose()
    _report(final)


def _follow(
    db: Any, guard: Any, evaluator_id: uuid.UUID, started: dict[str, Any], *, inline: bool, poll: float
) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from reviewdesk.services import evaluator_jobs, evaluator_runs

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        task = progress.add_task(f"v{started['version']}", total=started["total"])
        while True:
            ran = evaluator_jobs.run_due(db, guard) if inline else []
            state = evaluator_runs.run_progress(db, SYSTEM_ACTOR, evaluator_id, started["id"])
            retrying = sum(1 for f in state["failures"] if f["retry_at"] is not None)
            note = f"v{started['version']}" + (f" ({retrying} waiting to retry)" if retrying else "")
            progress.update(task, completed=state["finished"], description=note)
            if state["status"] == "done":
                return state
            if not ran:
                time.sleep(poll)


def _report(state: dict[str, Any]) -> None:
    counts = ", ".join(f"{status} {n}" for status, n in sorted(state["counts"].items()))
    click.echo(f"finished {state['finished']} of {state['total']}: {counts}")
    for failure in state["failures"]:
        click.echo(
            f"  {failure['status']} {failure['run_id']} after {failure['attempts']} attempts: {failure['reason']}"
        )
    if state["counts"].get("dead"):
        raise SystemExit(1)  # scripts notice that some runs got no score
