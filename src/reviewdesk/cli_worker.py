"""`reviewdesk worker`: run evaluator jobs in their own process (set REVIEWDESK_EVALUATOR_WORKER=off
on `serve` then, or let both share the job table: claims never hand one job to two workers)."""

from __future__ import annotations

import signal
import threading

import click


@click.command("worker")
@click.option("--db", "db_url", default=None, help="Database URL (default: REVIEWDESK_DB or SQLite).")
@click.option("--once", is_flag=True, help="Run the jobs due now, with a progress bar, then exit.")
def worker_command(db_url: str | None, once: bool) -> None:
    """Run evaluator jobs (online scores, offline runs) until stopped."""
    from rich.progress import Progress

    from reviewdesk.cli import _database, _settings
    from reviewdesk.services import evaluator_jobs
    from reviewdesk.services.destinations import guard_for
    from reviewdesk.store import evaluators as evaluators_store

    settings = _settings(db_url)
    db = _database(db_url)
    guard = guard_for(settings)
    try:
        if once:
            with db.read() as conn:
                due = evaluators_store.due_count(conn, evaluator_jobs.utcnow())
            outcomes: list[str] = []
            with Progress() as progress:
                task = progress.add_task("evaluator jobs", total=due)
                while batch := evaluator_jobs.run_due(db, guard, lease_s=settings.evaluator_lease_seconds):
                    outcomes += batch
                    progress.update(task, completed=min(len(outcomes), due))
            summary = {o: outcomes.count(o) for o in sorted(set(outcomes))}
            click.echo(f"ran {len(outcomes)} jobs: {summary}")
            return
        worker = evaluator_jobs.EvaluatorWorker(
            db,
            guard,
            poll_seconds=settings.evaluator_poll_seconds,
            lease_seconds=settings.evaluator_lease_seconds,
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        click.echo("evaluator worker running (Ctrl-C to stop)")
        worker.start()
        stop.wait()
        worker.stop()
    finally:
        db.dispose()
