"""Forms over HTTP without a browser: failed saves keep what was typed, the items table names its
reviewers, a new API key is shown once after a redirect, downloads stream with the session."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import (
    accounts,
    analytics,
    calibrations,
    dataset_versions,
    datasets,
    feedback,
    feedback_configs,
    ingest,
    queues,
    review,
    rules,
)
from reviewdesk.store.database import Database
from tests.conftest import settings_for_tests
from tests.factories import run_payload
from tests.web.seed import PASSWORD, World, make_world


@pytest.fixture
def world(db: Database) -> World:
    return make_world(db, runs=4, pairs=1)


def _client(db: Database) -> TestClient:
    return TestClient(create_app(settings_for_tests(), db=db))


@pytest.fixture
def web_client(db: Database) -> Iterator[TestClient]:
    with _client(db) as client:
        yield client


def _login(client: TestClient, email: str) -> str:
    """Log in through the form; return the session's CSRF token."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)


def _actor(user) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user_id=user.id, email=user.email, role=Role(user.role))


def test_the_items_table_names_who_reviewed_each_item_and_how(db, world, web_client):
    queue_id = world.single_queue["id"]
    reviewer, admin = _actor(world.reviewer), _actor(world.admin)
    first = review.next_item(db, reviewer, queue_id)["item"]["id"]
    review.submit(db, reviewer, first, {"answers": {"overall_quality": "good", "groundedness": "grounded"}})
    second = review.next_item(db, reviewer, queue_id)["item"]["id"]
    review.flag(db, reviewer, second, "the sources are missing")
    review.next_item(db, admin, queue_id)  # the admin holds one right now
    _login(web_client, world.member.email)
    html = web_client.get(f"/queues/{queue_id}/items").text
    cells = re.findall(r'<td class="reviewers">(.*?)</td>', html, re.S)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]
    assert f"Reviewer {world.reviewer.email} submitted" in text
    assert f"Reviewer {world.reviewer.email} flagged" in text
    assert any(f"Admin {world.admin.email} reviewing" in t for t in text)
    assert "—" in text  # an item nobody has touched


def test_the_items_table_names_the_rule_that_routed_an_item(db, world, web_client):
    queue_id = world.single_queue["id"]
    rules.create_rule(db, SYSTEM_ACTOR, queue_id, {"name": "<slow> answers", "filter": "latency > 1"})
    run = run_payload(metadata={"case": "routed"})
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=[run], patch=None)
    _login(web_client, world.member.email)
    html = web_client.get(f"/queues/{queue_id}/items").text
    cells = re.findall(r'<td class="item-source">(.*?)</td>', html, re.S)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]
    assert text.count("rule &lt;slow&gt; answers") == 1, text  # the rule's name, escaped
    assert len(text) == len(world.run_ids) + 1
    assert text[:-1] == ["api · system"] * len(world.run_ids)  # added by hand: no rule named


def test_failed_saves_show_the_form_as_it_was_typed(db, world, web_client):
    token = _login(web_client, world.admin.email)
    queue_id = world.single_queue["id"]
    queues.create_queue(db, SYSTEM_ACTOR, {"name": "taken", "rubric": world.single_queue["rubric"]})
    # Queue settings: a name that is taken; everything else typed comes back.
    settings = web_client.post(
        f"/queues/{queue_id}/settings",
        data={
            "csrf_token": token,
            "name": "taken",
            "description": "A guide I wrote *carefully*",
            "rubric_key": ["overall_quality", "helpfulness"],
            "include.helpfulness": "on",
            "instructions.helpfulness": "one to five, be strict",
            "reservation_minutes": "7",
            "reviewers_per_item": "2",
            "reviewer": str(world.member.id),
        },
    )
    assert settings.status_code == 400 and "taken" in settings.text
    page = settings.text
    assert "A guide I wrote *carefully*</textarea>" in page
    assert 'value="one to five, be strict"' in page
    assert re.search(r'id="reservation_minutes"[^>]*value="7"', page)
    assert re.search(r'id="reviewers_per_item"[^>]*value="2"', page)
    assert re.search(rf'value="{world.member.id}" checked', page)
    assert not re.search(r'name="include.overall_quality" checked', page)  # unticked stays unticked
    assert queues.get_queue(db, SYSTEM_ACTOR, queue_id)["name"] == "support-answers"
    # A rule whose filter does not parse.
    rule = web_client.post(
        f"/queues/{queue_id}/rules",
        data={"csrf_token": token, "name": "slow ones", "filter": "latency_ms >", "sample_rate": "0.25"},
    )
    assert rule.status_code == 400
    assert 'value="slow ones"' in rule.text and ">latency_ms &gt;</textarea>" in rule.text
    assert 'value="0.25"' in rule.text and not re.search(r'name="enabled" checked', rule.text)
    # A user whose email is taken; a score config whose range is not a number; a dataset name taken.
    user = web_client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": world.member.email,
            "name": "Second Member",
            "role": "member",
            "queue_id": str(queue_id),
        },
    )
    assert user.status_code == 400
    assert 'value="Second Member"' in user.text and f'value="{world.member.email}"' in user.text
    assert '<option value="member" selected>' in user.text
    assert re.search(rf'value="{queue_id}" checked', user.text)
    config = web_client.post(
        "/admin/score-configs",
        data={"csrf_token": token, "key": "tone", "type": "continuous", "min": "low", "max": "5"},
    )
    assert config.status_code == 400 and 'value="tone"' in config.text and 'value="low"' in config.text
    assert '<option value="continuous" selected>' in config.text
    datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "golden"})
    dataset = web_client.post(
        "/datasets", data={"csrf_token": token, "name": "golden", "description": "second try"}
    )
    assert dataset.status_code == 400 and "second try</textarea>" in dataset.text


def test_gold_share_and_calibration_cadence_are_set_in_queue_settings(db, world, web_client):
    token = _login(web_client, world.admin.email)
    queue_id = world.single_queue["id"]
    form = web_client.get(f"/queues/{queue_id}/settings").text
    assert re.search(r'id="gold_percent"[^>]*value="0"', form)
    assert re.search(r'id="calibration_cadence_days"[^>]*value="42"', form)
    fields = {
        "csrf_token": token,
        "name": "support-answers",
        "rubric_key": ["overall_quality"],
        "include.overall_quality": "on",
        "reviewer": [str(world.reviewer.id), str(world.admin.id)],
        "blind": "on",
    }
    saved = web_client.post(
        f"/queues/{queue_id}/settings",
        data={**fields, "gold_percent": "5", "calibration_cadence_days": "28"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    queue = queues.get_queue(db, SYSTEM_ACTOR, queue_id)
    assert queue["gold_rate"] == pytest.approx(0.05) and queue["calibration_cadence_days"] == 28
    form = web_client.get(f"/queues/{queue_id}/settings").text
    assert re.search(r'id="gold_percent"[^>]*value="5"', form)
    for name, value in (("gold_percent", "140"), ("calibration_cadence_days", "0")):
        refused = web_client.post(f"/queues/{queue_id}/settings", data={**fields, name: value})
        assert refused.status_code == 400, name
        assert re.search(rf'id="{name}"[^>]*value="{value}"', refused.text), name
    assert queues.get_queue(db, SYSTEM_ACTOR, queue_id)["gold_rate"] == pytest.approx(0.05)


def test_rubric_fields_not_in_the_queue_have_no_order_number(db, world, web_client):
    """Every unused field used to show the same order (the number of configs + 1)."""
    _login(web_client, world.admin.email)
    queue = queues.get_queue(db, SYSTEM_ACTOR, world.single_queue["id"])
    form = web_client.get(f"/queues/{queue['id']}/settings").text
    orders = dict(re.findall(r'name="order\.([\w-]+)" value="([^"]*)"', form))
    used = [f["key"] for f in queue["rubric"]]
    assert [orders[k] for k in used] == [str(n) for n in range(1, len(used) + 1)]
    unused = [k for k in orders if k not in used]
    assert unused and all(orders[k] == "" for k in unused)


def test_members_start_a_calibration_from_the_queue_page_and_reviewers_may_not(db, world):
    queue_id = world.single_queue["id"]
    with _client(db) as reviewer_client:
        token = _login(reviewer_client, world.reviewer.email)
        assert "Start a calibration" not in reviewer_client.get(f"/queues/{queue_id}").text
        refused = reviewer_client.post(
            f"/queues/{queue_id}/calibrations", data={"csrf_token": token, "name": "sneaky"}
        )
        assert refused.status_code == 403
    assert calibrations.list_calibrations(db, SYSTEM_ACTOR) == []
    with _client(db) as member_client:
        token = _login(member_client, world.member.email)
        page = member_client.get(f"/queues/{queue_id}").text
        assert "Start a calibration" in page
        bad = member_client.post(
            f"/queues/{queue_id}/calibrations", data={"csrf_token": token, "name": "Dec", "item_count": "1"}
        )
        assert bad.status_code == 400 and "item_count" in bad.text
        started = member_client.post(
            f"/queues/{queue_id}/calibrations",
            data={"csrf_token": token, "name": "December <check>", "item_count": "2"},
            follow_redirects=False,
        )
        assert started.status_code == 303, started.text
        listing = member_client.get("/calibrations")
        assert listing.status_code == 200 and "December &lt;check&gt;" in listing.text
    with _client(db) as reviewer_client:
        _login(reviewer_client, world.reviewer.email)
        assert reviewer_client.get("/calibrations").status_code == 403
    (session,) = calibrations.list_calibrations(db, SYSTEM_ACTOR)
    assert session["name"] == "December <check>" and session["source_queue_id"] == queue_id
    assert started.headers["location"] == f"/queues/{session['queue_id']}"
    cal_queue = queues.get_queue(db, SYSTEM_ACTOR, session["queue_id"])
    assert set(cal_queue["reviewers"]) == set(world.single_queue["reviewers"])


def test_a_failed_submit_keeps_the_answers_the_comment_and_the_correction(db, world, web_client):
    token = _login(web_client, world.reviewer.email)
    queue_id = world.single_queue["id"]
    page = web_client.get(f"/queues/{queue_id}/review").text
    item = re.search(r'action="/items/([0-9a-f-]+)/submit"', page).group(1)
    response = web_client.post(
        f"/items/{item}/submit",
        data={
            "csrf_token": token,
            "queue_id": str(queue_id),
            "answer.overall_quality": "bad",  # groundedness, also required, is missing
            "answer.helpfulness": "2",
            "answer.reviewer_note": "  two spaces kept",
            "comment": "wrong router model",
            "correction": "Unplug it for 30 seconds.",
        },
    )
    assert response.status_code == 400 and "answers.groundedness" in response.text
    html = response.text
    assert re.search(r'name="answer.overall_quality" value="bad" checked', html)
    assert not re.search(r'name="answer.overall_quality" value="acceptable" checked', html)  # no suggestion
    assert re.search(r'name="answer.helpfulness" value="2" checked', html)
    assert ">  two spaces kept</textarea>" in html
    assert ">wrong router model</textarea>" in html
    assert ">Unplug it for 30 seconds.</textarea>" in html


def test_a_new_api_key_is_shown_once_after_a_redirect(db, world, web_client):
    token = _login(web_client, world.admin.email)
    made = web_client.post(
        f"/admin/users/{world.member.id}/api-keys",
        data={"csrf_token": token, "name": "laptop"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/admin/users"
    assert "rd_" not in made.text  # the POST answer carries no page to reload
    shown = web_client.get(made.headers["location"])
    key = re.search(r'<code class="key" id="new-key">([^<]+)</code>', shown.text).group(1)
    assert accounts.authenticate_key(db, key).email == world.member.email
    assert f"for {world.member.email}" in shown.text
    assert len(accounts.list_api_keys(db, SYSTEM_ACTOR, world.member.id)) == 1
    again = web_client.get("/admin/users")  # a reload: the flash is gone
    assert 'id="new-key"' not in again.text and key not in again.text
    # The flash is bound to its session: replayed into another admin's session it shows nothing.
    flash = made.cookies.get("rd_flash")
    assert flash
    with _client(db) as other:
        _login(other, world.admin.email)
        other.cookies.set("rd_flash", flash, path="/admin/users")
        assert key not in other.get("/admin/users").text


def test_dataset_downloads_stream_with_the_session_and_a_safe_file_name(db, world, web_client):
    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": 'réponses "golden"'})
    datasets.add_examples(db, SYSTEM_ACTOR, dataset["id"], {"run_ids": [str(r) for r in world.run_ids]})
    _login(web_client, world.member.email)
    response = web_client.get(f"/datasets/{dataset['id']}/export?format=csv&version=1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="r_ponses_golden_-v1.csv"')
    assert "filename*=UTF-8''r%C3%A9ponses%20%22golden%22-v1.csv" in disposition
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4 and {r["source_run_id"] for r in rows} == {str(r) for r in world.run_ids}
    empty = web_client.get(f"/datasets/{dataset['id']}/export?format=jsonl&version=0")
    assert empty.status_code == 200 and empty.text == ""
    bad = web_client.get(f"/datasets/{dataset['id']}/export?format=xml")
    assert bad.status_code == 400 and "must be one of" in bad.text


def test_a_queue_default_dataset_set_in_settings_collects_corrections(db, world, web_client):
    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "corrections"})
    token = _login(web_client, world.admin.email)
    queue_id = world.single_queue["id"]
    form = web_client.get(f"/queues/{queue_id}/settings").text
    assert f'<option value="{dataset["id"]}"' in form
    saved = web_client.post(
        f"/queues/{queue_id}/settings",
        data={
            "csrf_token": token,
            "name": "support-answers",
            "rubric_key": ["overall_quality"],
            "include.overall_quality": "on",
            "reviewer": [str(world.reviewer.id), str(world.admin.id)],
            "blind": "on",
            "default_dataset_id": str(dataset["id"]),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert queues.get_queue(db, SYSTEM_ACTOR, queue_id)["default_dataset_id"] == dataset["id"]
    page = web_client.get(f"/queues/{queue_id}/review").text
    item = re.search(r'action="/items/([0-9a-f-]+)/submit"', page).group(1)
    assert re.search(rf'<option value="{dataset["id"]}" selected>corrections</option>', page)
    web_client.post(
        f"/items/{item}/submit",
        data={
            "csrf_token": token,
            "queue_id": str(queue_id),
            "answer.overall_quality": "bad",
            "correction": "Unplug it for 30 seconds.",
        },
    )
    examples, _next = dataset_versions.list_examples(db, SYSTEM_ACTOR, dataset["id"])
    assert [e["outputs"]["answer"] for e in examples] == ["Unplug it for 30 seconds."]
    # Choosing "none" clears it.
    kept = {"rubric_key": ["overall_quality"], "include.overall_quality": "on"}
    web_client.post(
        f"/queues/{queue_id}/settings",
        data={"csrf_token": token, "name": "support-answers", "default_dataset_id": "", **kept},
    )
    assert queues.get_queue(db, SYSTEM_ACTOR, queue_id)["default_dataset_id"] is None
    # A single queue needs a rubric field: refused on the server, the form shown again as typed.
    refused = web_client.post(
        f"/queues/{queue_id}/settings",
        data={"csrf_token": token, "name": "support-answers-renamed", "rubric_key": ["overall_quality"]},
    )
    assert refused.status_code == 400
    assert "choose at least one rubric field" in refused.text and "support-answers-renamed" in refused.text
    assert queues.get_queue(db, SYSTEM_ACTOR, queue_id)["name"] == "support-answers"


def test_feedback_export_page_downloads_rows_or_one_column_per_reviewer(db, world, web_client):
    queue_id = world.single_queue["id"]
    reviewer = _actor(world.reviewer)
    item = review.next_item(db, reviewer, queue_id)["item"]["id"]
    review.submit(db, reviewer, item, {"answers": {"overall_quality": "good", "groundedness": "grounded"}})
    _login(web_client, world.member.email)
    form = web_client.get("/exports").text
    assert '<option value="overall_quality"' in form and f'<option value="{queue_id}"' in form
    rows = web_client.get(f"/exports/feedback?format=jsonl&queue_id={queue_id}&key=overall_quality")
    assert rows.status_code == 200 and rows.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in rows.text.splitlines()]
    assert [(r["key"], r["value"], r["author"]) for r in lines] == [
        ("overall_quality", "good", world.reviewer.email)
    ]
    pivot = web_client.get(f"/exports/feedback?format=csv&pivot=1&queue_id={queue_id}")
    assert pivot.headers["content-disposition"].startswith('attachment; filename="feedback-by-reviewer.csv"')
    header = next(csv.reader(io.StringIO(pivot.text)))
    assert f"{world.reviewer.email}:overall_quality" in header
    assert f"{world.reviewer.email}:groundedness" in header
    # A filter that does not parse: the form again, as typed, with the reason.
    bad = web_client.get(
        f"/exports/feedback?format=parquet&pivot=1&filter=latency_ms+%3E&queue_id={queue_id}"
    )
    assert bad.status_code == 400 and "filter" in bad.text
    assert 'value="latency_ms &gt;"' in bad.text
    assert re.search(r'name="pivot" value="1" checked', bad.text)
    assert re.search(r'name="format" value="parquet" checked', bad.text)
    assert re.search(rf'<option value="{queue_id}" selected>', bad.text)


def test_the_examples_table_pages_by_cursor_at_the_chosen_version(db, world, web_client):
    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "big"})
    given = [{"inputs": {"question": f"q{i}"}, "outputs": {"answer": f"a{i}"}} for i in range(70)]
    datasets.add_examples(db, SYSTEM_ACTOR, dataset["id"], {"examples": given[:60]})  # version 1
    datasets.add_examples(db, SYSTEM_ACTOR, dataset["id"], {"examples": given[60:]})  # version 2
    _login(web_client, world.member.email)

    def questions(html: str) -> list[str]:
        return re.findall(r"<summary>(q\d+)</summary>", html)

    seen: list[str] = []
    url = f"/datasets/{dataset['id']}"
    while url:
        html = web_client.get(url).text
        seen += questions(html)
        found = re.search(r'<a href="([^"]+)" id="next-page">', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == 70 and len(set(seen)) == 70  # 50, then 20: each once
    first = web_client.get(f"/datasets/{dataset['id']}?at=version:1").text
    assert len(questions(first)) == 50 and 'id="next-page"' in first
    next_url = re.search(r'<a href="([^"]+)" id="next-page">', first).group(1).replace("&amp;", "&")
    assert "at=version%3A1" in next_url  # the page keeps reading version 1
    assert len(questions(web_client.get(next_url).text)) == 10
    assert '<option value="version:1" selected>version 1</option>' in first
    assert "format=parquet&amp;version=1" in first  # downloads follow the version shown


def test_a_score_config_is_edited_in_place_and_a_refusal_keeps_what_was_typed(db, world, web_client):
    token = _login(web_client, world.member.email)
    saved = web_client.post(
        "/admin/score-configs/helpfulness/edit",
        data={"csrf_token": token, "min": "1", "max": "5", "description": "1 useless, 5 would ship"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert (
        feedback_configs.get_config(db, SYSTEM_ACTOR, "helpfulness")["description"]
        == "1 useless, 5 would ship"
    )
    refused = web_client.post(
        "/admin/score-configs/helpfulness/edit",
        data={"csrf_token": token, "min": "9", "max": "5", "description": "typed before the error"},
    )
    assert refused.status_code == 400
    form = refused.text[refused.text.index('action="/admin/score-configs/helpfulness/edit"') :]
    assert 'role="alert"' in form[:2000] and "typed before the error" in form[:4000]
    assert feedback_configs.get_config(db, SYSTEM_ACTOR, "helpfulness")["min"] == 1


def test_openai_chat_download_says_what_it_skipped_and_examples_and_datasets_are_deleted(
    db, world, web_client
):
    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "chat-or-not"})
    datasets.add_examples(
        db,
        SYSTEM_ACTOR,
        dataset["id"],
        {
            "examples": [
                {"inputs": {"messages": [{"role": "user", "content": "hi"}]}, "outputs": {"answer": "hello"}},
                {"inputs": {"x": 1}, "outputs": {"answer": "no conversation"}},
            ]
        },
    )
    token = _login(web_client, world.member.email)
    chat = web_client.get(f"/datasets/{dataset['id']}/export?format=openai-chat")
    assert chat.status_code == 200 and len(chat.text.splitlines()) == 1
    assert chat.headers["x-export-converted"] == "1" and chat.headers["x-export-skipped"] == "1"
    assert "inputs hold no chat messages" in chat.headers["x-export-skipped-reasons"]
    examples, _next = dataset_versions.list_examples(db, SYSTEM_ACTOR, dataset["id"])
    chat_example = next(e for e in examples if "messages" in e["inputs"])
    removed = web_client.post(
        f"/datasets/{dataset['id']}/examples/{chat_example['id']}/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    # Nothing converts now: a clear 400 that says why, not an empty file.
    refused = web_client.get(f"/datasets/{dataset['id']}/export?format=openai-chat")
    assert refused.status_code == 400
    assert "none of the 1 examples converts" in refused.text
    gone = web_client.post(
        f"/datasets/{dataset['id']}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert all(d["id"] != dataset["id"] for d in datasets.list_datasets(db, SYSTEM_ACTOR))


def test_webhooks_screen_is_an_admins_creates_tests_and_lists_deliveries(db, world):
    # Loopback allowed for this app alone, so the URL below passes the policy without any DNS lookup.
    app = create_app(settings_for_tests(allow_private_destinations="127.0.0.0/8"), db=db)
    with TestClient(app) as client:
        token = _login(client, world.member.email)
        assert client.get(f"/queues/{world.single_queue['id']}/webhooks").status_code == 403
    with TestClient(app) as client:
        token = _login(client, world.admin.email)
        base = f"/queues/{world.single_queue['id']}/webhooks"
        refused = client.post(
            base, data={"csrf_token": token, "url": "ftp://127.0.0.1/x", "events": ["item.completed"]}
        )
        assert refused.status_code == 400
        assert 'role="alert"' in refused.text and 'value="ftp://127.0.0.1/x"' in refused.text
        created = client.post(
            base, data={"csrf_token": token, "url": "http://127.0.0.1:9/hook", "events": ["item.flagged"]}
        )
        assert created.status_code == 201 and "whsec_" in created.text
        webhook_id = re.search(r'/webhooks/([0-9a-f-]+)/test"', created.text).group(1)
        tested = client.post(f"{base}/{webhook_id}/test", data={"csrf_token": token}, follow_redirects=True)
        assert tested.status_code == 200 and "webhook.test" in tested.text and "pending" in tested.text
        deleted = client.post(
            f"{base}/{webhook_id}/delete", data={"csrf_token": token}, follow_redirects=True
        )
        assert "No webhooks" in deleted.text


def test_rubric_conditions_are_edited_in_the_settings_form(db, world, web_client):
    token = _login(web_client, world.admin.email)
    queue_id = world.single_queue["id"]
    form = {
        "csrf_token": token,
        "name": "support-answers",
        "rubric_key": ["overall_quality", "helpfulness", "reviewer_note"],
        "include.overall_quality": "on",
        "required.overall_quality": "on",
        "include.helpfulness": "on",
        "include.reviewer_note": "on",
        "order.overall_quality": "1",
        "order.helpfulness": "2",
        "order.reviewer_note": "3",
        # A trigger field picked, then the answers of it ticked (only the picked field's count).
        "visible_if.helpfulness": "overall_quality",
        "visible_if.helpfulness.overall_quality": ["bad", "acceptable"],
        "visible_if.helpfulness.reviewer_note": "ignored",
        "required_if.reviewer_note": "helpfulness",
        "required_if.reviewer_note.helpfulness": "1",
        "reviewers_per_item": "1",
        "reservation_minutes": "10",
        "reviewer": str(world.reviewer.id),
    }
    saved = web_client.post(f"/queues/{queue_id}/settings", data=form, follow_redirects=True)
    assert saved.status_code == 200, saved.text
    rubric = {f["key"]: f for f in queues.get_queue(db, SYSTEM_ACTOR, queue_id)["rubric"]}
    assert rubric["helpfulness"]["visible_if"] == {"field": "overall_quality", "in": ["bad", "acceptable"]}
    assert rubric["reviewer_note"]["required_if"] == {"field": "helpfulness", "in": [1]}  # a number, not "1"
    assert "visible_if" not in rubric["overall_quality"]
    page = web_client.get(f"/queues/{queue_id}/settings").text
    assert re.search(
        r'name="visible_if\.helpfulness"[^>]*>.*?<option value="overall_quality" selected>', page, re.S
    )
    assert 'name="visible_if.helpfulness.overall_quality" value="bad" checked' in page
    assert 'name="visible_if.helpfulness.overall_quality" value="good">' in page
    assert 'name="required_if.reviewer_note.helpfulness" value="1" checked' in page
    # A condition on a later field is refused beside its control, and what was picked comes back.
    bad = web_client.post(
        f"/queues/{queue_id}/settings",
        data={
            **form,
            "visible_if.overall_quality": "helpfulness",
            "visible_if.overall_quality.helpfulness": "5",
        },
    )
    assert bad.status_code == 400
    in_place = re.search(
        r'<p class="field-error small" id="error-visible_if-\d+" role="alert">([^<]*)</p>', bad.text
    )
    assert in_place and "must name a field that comes earlier" in in_place.group(1)
    assert 'name="visible_if.overall_quality.helpfulness" value="5" checked' in bad.text
    assert 'name="visible_if.helpfulness.overall_quality" value="acceptable" checked' in bad.text
    for changes, reason in (
        ({"required_if.helpfulness": "overall_quality"}, "tick at least one answer of overall_quality"),
        ({"required_if.helpfulness": "no_such_field"}, "not a field a condition can test"),
        ({"required_if.helpfulness": "reviewer_note"}, "not a field a condition can test"),  # free text
        ({"required_if.helpfulness": "helpfulness", "required_if.helpfulness.helpfulness": "2"}, "its own"),
        (
            {
                "required_if.helpfulness": "overall_quality",
                "required_if.helpfulness.overall_quality": "superb",
            },
            "not an option",
        ),
    ):
        refused = web_client.post(f"/queues/{queue_id}/settings", data={**form, **changes})
        assert refused.status_code == 400 and reason in refused.text, reason
        assert 'id="error-required_if-' in refused.text
    # Picking no field removes the condition.
    web_client.post(f"/queues/{queue_id}/settings", data={**form, "visible_if.helpfulness": ""})
    rubric = {f["key"]: f for f in queues.get_queue(db, SYSTEM_ACTOR, queue_id)["rubric"]}
    assert "visible_if" not in rubric["helpfulness"]


def test_a_filtered_series_that_reads_only_the_newest_rows_says_where_it_starts(
    db, world, web_client, monkeypatch
):
    feedback.create_feedback(
        db,
        SYSTEM_ACTOR,
        {"run_id": str(world.run_ids[1]), "key": "overall_quality", "value": "good", "source": "model"},
    )
    _login(web_client, world.member.email)
    query = {"key": "overall_quality", "filter": 'name != "no such run"'}
    whole = web_client.get("/dashboards/panels/scores", params=query)
    assert whole.status_code == 200 and "Filtered series read the newest" not in whole.text
    monkeypatch.setattr(analytics, "FILTERED_ROWS", 1)
    capped = web_client.get("/dashboards/panels/scores", params=query).text
    today = datetime.now(UTC)
    assert "Filtered series read the newest 1 rows of the key" in capped
    assert f"this one starts {today:%Y-%m-%d} 00:00 UTC" in capped


def test_a_pairwise_rubric_field_can_depend_on_the_preference(db, world, web_client):
    token = _login(web_client, world.admin.email)
    queue_id = world.pairwise_queue["id"]
    form = {
        "csrf_token": token,
        "name": "model-a-vs-b",
        "rubric_key": ["helpfulness", "reviewer_note"],
        "include.helpfulness": "on",
        "include.reviewer_note": "on",
        "order.helpfulness": "1",
        "order.reviewer_note": "2",
        "required_if.reviewer_note": "preference",
        "required_if.reviewer_note.preference": ["tie", "both_bad"],
        "reviewers_per_item": "1",
        "reservation_minutes": "10",
        "reviewer": str(world.reviewer.id),
    }
    saved = web_client.post(f"/queues/{queue_id}/settings", data=form, follow_redirects=True)
    assert saved.status_code == 200, saved.text
    rubric = {f["key"]: f for f in queues.get_queue(db, SYSTEM_ACTOR, queue_id)["rubric"]}
    assert rubric["reviewer_note"]["required_if"] == {"field": "preference", "in": ["tie", "both_bad"]}
    page = web_client.get(f"/queues/{queue_id}/settings").text
    assert re.search(
        r'name="required_if\.reviewer_note"[^>]*>.*?<option value="preference" selected>', page, re.S
    )
    assert 'name="required_if.reviewer_note.preference" value="both_bad" checked' in page
    assert 'name="required_if.reviewer_note.preference" value="A">' in page
    # A single-run queue has no preference to test.
    single = web_client.get(f"/queues/{world.single_queue['id']}/settings").text
    assert '<option value="preference"' not in single


def test_an_evaluators_score_names_the_evaluator_and_version_where_feedback_is_listed(db, world, web_client):
    evaluator_id = uuid.uuid4()
    written = [
        feedback.create_feedback(
            db,
            SYSTEM_ACTOR,
            {
                "run_id": str(run_id),
                "key": "tone_check",
                "score": 0.5,
                "source": "model",
                "extra": {"evaluator_id": str(evaluator_id), "evaluator_version": 3},
            },
        )
        for run_id in world.run_ids
    ]
    assert {(f["evaluator_id"], f["evaluator_version"]) for f in written} == {(evaluator_id, 3)}
    queue_id = world.single_queue["id"]
    _login(web_client, world.admin.email)
    review_page = web_client.get(f"/queues/{queue_id}/review").text
    assert (
        f'model <span class="muted small">by <a href="/evaluators/{evaluator_id}">evaluator</a> v3</span>'
        in (review_page)
    )
    trace = web_client.get(f"/traces/{written[0]['trace_id']}").text
    assert 'title="model by evaluator v3"' in trace
    with _client(db) as reviewer_client:
        _login(reviewer_client, world.reviewer.email)
        seen = reviewer_client.get(f"/queues/{queue_id}/review").text
        assert '<span class="muted small">by evaluator v3</span>' in seen  # no link to a page it may not open
