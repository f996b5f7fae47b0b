"""Review loop latency in a real browser: submit → next item painted, on the demo.

    .venv/bin/python bench/review_loop.py [--traces 1500] [--items 40] [--baseline 15] [--read-ms 1000] [--rushed 20]

Loads the demo into a fresh SQLite file, serves it on 127.0.0.1, and drives Debian's Chromium as the
demo reviewer through `production-rag-review` with the keyboard: two picks, then S. Measured in the
page: from the S keydown to the second animation frame after the next item is on screen (the frame it
is painted in), first with `--read-ms` of reading per item (the next item is prefetched meanwhile),
then `--rushed` items submitted the moment they are painted (the prefetch still on its way). The same run measures the old way as the baseline: the form posted without the
review script (a 303 and a full page load), from the submit to the second frame of the new page.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from rich.progress import Progress

from reviewdesk.app import create_app
from reviewdesk.config import Settings
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import demo, queue_items, queues
from reviewdesk.services.demo_setup import DEMO_PASSWORD
from reviewdesk.store import migrate
from reviewdesk.store.database import Database

CHROMIUM = "/usr/bin/chromium"
REVIEWER = "ana@reviewdesk.local"
QUEUE = "production-rag-review"

# In the page: S keydown → the review script's `review:swapped` → two frames (the new item painted).
# Resource Timing says whether the prefetch of the item swapped in had landed before S, and how long
# the server took to answer it (request sent → first byte).
SWAP_PROBE = """() => {
  window.__swaps = [];
  window.__swapped = [];
  window.__prefetch = [];
  document.addEventListener("keydown", (e) => { if (e.key === "s") window.__t0 = performance.now(); }, true);
  document.addEventListener("review:swapped", () => {
    const t0 = window.__t0;
    window.__swapped.push(performance.now() - t0);  // in the DOM, before layout and paint
    const asked = performance.getEntriesByType("resource").filter((r) => r.name.includes("/review/prefetch") && r.startTime < t0);
    const used = asked[asked.length - 1];
    window.__prefetch.push(used ? {ready: used.responseEnd <= t0, server: used.responseStart - used.requestStart} : null);
    requestAnimationFrame(() => requestAnimationFrame(() => window.__swaps.push(performance.now() - t0)));
  });
}"""
PAINTED = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(Date.now()))))"""


@contextmanager
def served(db: Database) -> Iterator[str]:
    settings = Settings(
        secret_key="bench", run_migrations=False, webhooks_enabled=False, table_maintenance=False
    )
    app = create_app(settings, db=db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _answer(page) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("1")
    page.keyboard.press("1")


@dataclass
class SwapRun:
    painted: list[float]  # S → the next item painted, ms
    in_dom: list[float]  # S → the next item in the DOM, ms
    ready: int  # swaps whose prefetch had landed before S
    prefetch_server: list[float]  # the prefetch's server time (request sent → first byte), ms


def swap_loop(page, items: int, read_ms: int) -> SwapRun:  # type: ignore[no-untyped-def]
    """`read_ms`: how long the reviewer reads each item after it is painted (0: S at once, before the
    next prefetch can have landed)."""
    page.evaluate(SWAP_PROBE)
    for n in range(items):
        if page.locator("#end-of-queue").count():
            print(f"(the queue ran out after {n} items: load more traces)")
            break
        page.wait_for_timeout(read_ms)
        before = page.locator(".review-bar").get_attribute("data-item-id")
        _answer(page)
        page.keyboard.press("s")
        page.wait_for_function(
            "(before) => document.querySelector('.review-bar').dataset.itemId !== before", arg=before
        )
        page.wait_for_function("(n) => window.__swaps.length >= n", arg=n + 1)
    page.wait_for_function("() => document.getElementById('review-item').dataset.posting === '0'")
    prefetches = [p for p in page.evaluate("() => window.__prefetch") if p]
    return SwapRun(
        painted=list(page.evaluate("() => window.__swaps")),
        in_dom=list(page.evaluate("() => window.__swapped")),
        ready=sum(p["ready"] for p in prefetches),
        prefetch_server=[p["server"] for p in prefetches],
    )


def reload_loop(page, items: int) -> list[float]:  # type: ignore[no-untyped-def]
    """The baseline: the form posted as before this work (303 → full page load of the next item)."""
    times = []
    for _ in range(items):
        page.wait_for_load_state("networkidle")
        if not page.locator("#review-form").count():
            raise SystemExit(f"no review form at {page.url}: {page.locator('main').inner_text()[:600]}")
        _answer(page)
        with page.expect_navigation(wait_until="load"):
            started = page.evaluate(
                "() => { const t = Date.now(); HTMLFormElement.prototype.submit.call("
                "document.getElementById('review-form')); return t; }"
            )
        times.append(page.evaluate(PAINTED) - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--traces", type=int, default=1500)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--baseline", type=int, default=15)
    parser.add_argument("--read-ms", type=int, default=1000, help="reading time per item before S")
    parser.add_argument("--rushed", type=int, default=20, help="items then submitted with no reading time")
    parser.add_argument("--json-out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as workdir:
        db = Database(f"sqlite:///{Path(workdir) / 'demo.db'}")
        migrate.upgrade(db)
        with Progress() as progress:
            task = progress.add_task("Loading the demo", total=args.traces)
            demo.load_demo(
                db,
                seed=7,
                n_traces=args.traces,
                now=datetime.now(UTC),
                on_progress=lambda done: progress.update(task, completed=done),
            )
        # The demo's reviewers have already worked most of the queue: add the other root runs so the
        # loop has enough fresh items for ana (the timing is per item, not per queue size).
        rag = queues.get_queue_by_name(db, SYSTEM_ACTOR, QUEUE)
        queue_items.add_by_filter(
            db, SYSTEM_ACTOR, rag["id"], {"filter": "metadata.eval_score >= 0.5", "reason": "bench"}
        )
        with served(db) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900}, base_url=url)
            page.goto("/login")
            page.get_by_label("Email").fill(REVIEWER)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda u: "/login" not in u)
            review_url = f"/queues/{queues.get_queue_by_name(db, SYSTEM_ACTOR, QUEUE)['id']}/review"
            page.goto(review_url)
            page.wait_for_selector("#review-form")
            baseline = reload_loop(page, args.baseline)
            page.goto(review_url)
            reading = swap_loop(page, args.items, args.read_ms)
            page.goto(review_url)
            rushed = swap_loop(page, args.rushed, 0)
            browser.close()
        db.dispose()
    swaps = {f"swap, {args.read_ms} ms reading": reading, "swap, no reading": rushed}
    report(baseline, swaps)
    if args.json_out:
        figures = {"load_average": os.getloadavg(), "full_page_load": baseline}
        figures |= {name: asdict(run) for name, run in swaps.items()}
        args.json_out.write_text(json.dumps(figures, indent=2))


def _line(name: str, values: list[float]) -> str:
    return (
        f"{name:28} n={len(values):3}  p50 {statistics.median(values):6.1f} ms  "
        f"p95 {percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
    )


def report(baseline: list[float], swaps: dict[str, SwapRun]) -> None:
    print(_line("full page load (before)", baseline))
    for name, run in swaps.items():
        print(_line(name, run.painted))
        print(
            f"{'':28} in the DOM p50 {statistics.median(run.in_dom):.1f} ms; prefetch landed before S "
            f"{run.ready}/{len(run.prefetch_server)}; prefetch server p50 "
            f"{statistics.median(run.prefetch_server):.1f} ms, p95 {percentile(run.prefetch_server, 0.95):.1f} ms"
        )
    first = next(iter(swaps.values()))
    print(
        f"ratio p50 swap (reading) / full load: {statistics.median(first.painted) / statistics.median(baseline):.2f}"
    )


if __name__ == "__main__":
    main()
