"""The SDK's signal methods against the real server: a calibration worked by two reviewers, its
report and listing, adjudication, a gold item, reviewer quality, agreement and human vs model."""

from __future__ import annotations

import contextlib

from reviewdesk.client import Client, Conflict, PermissionDenied
from tests.client.test_queues import make_reviewer, stored_runs, unique  # noqa: F401 (fixture)


def test_calibration_adjudication_gold_and_quality_through_the_sdk(admin: Client, make_reviewer) -> None:  # noqa: F811
    with contextlib.suppress(Conflict):
        admin.create_feedback_config("sdk_verdict", "categorical", options=["pass", "fail"])
    ana, ben = make_reviewer(), make_reviewer()
    queue = admin.create_queue(
        unique("sdk-signal"), rubric=[{"key": "sdk_verdict", "required": True}], reviewers=[ana.id, ben.id]
    )
    run_ids = stored_runs(admin, 4)
    admin.add_runs(queue["id"], run_ids=run_ids)
    session = admin.create_calibration("sdk", queue["id"], run_ids=run_ids, reviewers=[ana.id, ben.id])
    for reviewer, disagree_on in ((ana, None), (ben, run_ids[0])):
        while (view := reviewer.sdk.next_item(session["queue_id"])) is not None:
            verdict = "fail" if view["runs"][0]["id"] == disagree_on else "pass"
            reviewer.sdk.submit(view["item"]["id"], {"sdk_verdict": verdict})

    report = admin.calibration_report(session["id"])
    (field,) = report["fields"]
    assert report["complete"] and field["percent_agreement"] == 0.75 and field["alert"] is True
    assert [c["id"] for c in admin.list_calibrations(queue["id"])] == [session["id"]]
    agreement = admin.queue_agreement(session["queue_id"])
    assert agreement["fields"][0]["level"] == "nominal"

    cases = admin.list_adjudications(session["queue_id"])
    assert len(cases) == 1
    item_id = cases[0]["item_id"]
    try:
        ana.sdk.adjudicate(item_id, {"sdk_verdict": "pass"})
        raise AssertionError("a reviewer adjudicated")
    except PermissionDenied:
        pass
    settled = admin.adjudicate(item_id, {"sdk_verdict": "fail"}, comment="policy says fail")
    assert settled["answers"] == {"sdk_verdict": "fail"}
    gold = admin.add_gold(session["queue_id"], item_id=item_id)
    assert gold["source"] == "adjudication"

    quality = admin.reviewer_quality(session["queue_id"])
    by_id = {r["reviewer_id"]: r for r in quality["reviewers"]}
    assert by_id[ana.id]["items_reviewed"] == 4
    versus = admin.human_vs_model("sdk_verdict")
    assert versus["pairs"] == 0 and versus["cohen_kappa"] is None and versus["cohen_kappa_reason"]
