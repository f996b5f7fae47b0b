"""Datasets in the browser: create one, fill it from the explorer and from a review, read it at a
version or tag, tag it, split it, download it."""

from __future__ import annotations

import csv
import io

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import dataset_versions, datasets
from tests.web.conftest import login, screenshot
from tests.web.seed import World


def _dataset_named(web_db, name: str) -> dict:  # type: ignore[no-untyped-def]
    return datasets.get_dataset_by_name(web_db, SYSTEM_ACTOR, name)


def test_a_member_builds_a_dataset_from_the_explorer_and_reads_it_by_version(page, web_db, world: World):
    login(page, world.member.email, world.member.password)
    page.get_by_role("link", name="Datasets", exact=True).click()
    page.get_by_label("Name").fill("support-golden")
    page.get_by_label("Description").fill("Answers reviewers signed off, corrections included.")
    page.get_by_role("button", name="Create dataset").click()
    assert page.locator(".notice").inner_text() == "The dataset was created."
    assert page.get_by_role("heading", name="support-golden").is_visible()
    dataset = _dataset_named(web_db, "support-golden")

    # Two selected runs, then every run matching the filter: one new version each.
    page.goto("/traces?q=metadata.eval_score+%3C+0.5")
    assert page.locator("table.runs tbody tr").count() == 6
    page.locator("input.row-select").nth(0).check()
    page.locator("input.row-select").nth(1).check()
    page.get_by_label("Dataset").select_option(label="support-golden (0)")
    page.get_by_role("button", name="Add to dataset").click()
    notice = page.locator(".notice")
    assert notice.inner_text().startswith("Added 2 example(s) to the dataset (now version 1); 0 were")
    page.locator("#scope-all").check()
    page.wait_for_selector(".match-count")
    page.get_by_label("Dataset").select_option(label="support-golden (2)")
    page.get_by_role("button", name="Add to dataset").click()
    page.locator(".notice", has_text="Added 4").wait_for()
    assert notice.inner_text().startswith("Added 4 example(s) to the dataset (now version 2); 2 were")
    # Nothing chosen: the explorer says why and keeps the search and the choice of scope.
    page.locator("#scope-all").check()
    page.get_by_role("button", name="Add to dataset").click()
    assert page.get_by_role("alert").inner_text() == "dataset_id: choose a dataset"
    assert page.locator("#scope-all").is_checked()
    assert page.locator("#q").input_value() == "metadata.eval_score < 0.5"
    screenshot(page, "explorer-add-to-dataset", full_page=True)
    examples, _next = dataset_versions.list_examples(web_db, SYSTEM_ACTOR, dataset["id"])
    assert len(examples) == 6 and all(e["metadata"]["project"] == "support-rag" for e in examples)

    page.get_by_role("link", name="Datasets", exact=True).click()
    row = page.locator("table.datasets tbody tr", has_text="support-golden")
    assert row.locator("td.num").all_inner_texts() == ["6", "2"]  # examples, version

    page.get_by_role("link", name="support-golden").click()
    assert page.locator("table.examples tbody tr").count() == 6
    page.get_by_label("Tag", exact=True).fill("v1-golden")
    page.get_by_role("button", name="Tag version 2").click()
    assert page.locator(".notice").inner_text() == "The current version was tagged."
    page.get_by_label("split name 1").fill("train")
    page.get_by_label("share of split 1").fill("50%")
    page.get_by_label("split name 2").fill("test")
    page.get_by_label("share of split 2").fill("0.5")
    page.get_by_role("button", name="Assign splits").click()
    page.locator(".notice", has_text="Splits assigned").wait_for()
    assert page.locator(".notice").inner_text().startswith("Splits assigned: 6 example(s) moved")
    splits = page.locator("table.examples tbody td:nth-child(3)").all_inner_texts()
    assert len(splits) == 6 and set(splits) <= {"test", "train"}
    # Where each example lands hangs on its run id's hash: count what the service says.
    counts = datasets.get_dataset(web_db, SYSTEM_ACTOR, dataset["id"])["splits"]
    assert {name: splits.count(name) for name in set(splits)} == counts
    chosen = max(counts, key=lambda name: counts[name])  # a split that surely has examples
    screenshot(page, "dataset-examples", full_page=True)

    # The tag still reads version 2: examples without splits; one split of the latest version.
    page.get_by_label("Version", exact=True).select_option(label="tag v1-golden (version 2)")
    page.get_by_role("button", name="Show").click()
    assert set(page.locator("table.examples tbody td:nth-child(3)").all_inner_texts()) == {"—"}
    assert "Download version 2" in page.locator("#downloads").inner_text()
    page.get_by_label("Version", exact=True).select_option(label="latest (version 3)")
    page.get_by_label("Split", exact=True).select_option(chosen)
    page.get_by_role("button", name="Show").click()
    assert page.locator("table.examples tbody td:nth-child(3)").all_inner_texts() == [chosen] * counts[chosen]
    page.get_by_label("Version", exact=True).select_option(label="version 1")
    page.get_by_label("Split", exact=True).select_option("")
    page.get_by_role("button", name="Show").click()
    assert page.locator("table.examples tbody tr").count() == 2

    # Download what is shown, through the session (no API key in the browser).
    page.get_by_label("Version", exact=True).select_option(label="latest (version 3)")
    page.get_by_label("Split", exact=True).select_option(chosen)
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as caught:
        page.locator("#downloads").get_by_role("link", name="CSV").click()
    download = caught.value
    assert download.suggested_filename == "support-golden-v3.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert len(rows) == counts[chosen] and {r["split"] for r in rows} == {chosen}
    for label in ("JSONL", "OpenAI chat", "Parquet"):
        href = page.locator("#downloads").get_by_role("link", name=label).get_attribute("href")
        assert href and f"/datasets/{dataset['id']}/export?format=" in href and "version=3" in href
    datasets.create_dataset(web_db, SYSTEM_ACTOR, {"name": "refund-edge-cases"})
    page.get_by_role("link", name="Datasets", exact=True).click()
    row = page.locator("table.datasets tbody tr", has_text="support-golden")
    assert "v1-golden · v2" in row.inner_text() and f"{chosen}: {counts[chosen]}" in row.inner_text()
    screenshot(page, "datasets")
    assert page.js_errors == []


def test_the_run_under_review_goes_into_a_dataset_for_members_only(page, web_db, world: World):
    dataset = datasets.create_dataset(web_db, SYSTEM_ACTOR, {"name": "from-reviews"})
    login(page, world.admin.email, world.admin.password)
    page.goto(f"/queues/{world.single_queue['id']}/review")
    page.wait_for_selector("#review-form")
    panel = page.locator("article.run")
    run_id = panel.get_attribute("id").removeprefix("run-")
    panel.get_by_label("Add this run to dataset").select_option(label="from-reviews")
    panel.get_by_role("button", name="Add to dataset").click()
    note = panel.locator(".added-note")
    assert note.inner_text() == "Added to from-reviews (version 1)."
    panel.get_by_role("button", name="Add to dataset").click()  # twice is still once
    panel.locator(".added-note", has_text="Already in").wait_for()
    assert note.inner_text() == "Already in from-reviews."
    examples, _next = dataset_versions.list_examples(web_db, SYSTEM_ACTOR, dataset["id"])
    assert [str(e["source_run_id"]) for e in examples] == [run_id]
    assert page.locator("#review-form").is_visible()  # the review carries on, nothing reloaded
    assert page.js_errors == []
    # Reviewers curate no datasets: no such form in their review view.
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{world.single_queue['id']}/review")
    page.wait_for_selector("#review-form")
    assert page.locator("form.add-to-dataset").count() == 0
    assert "Datasets" not in page.locator("header nav").inner_text()
