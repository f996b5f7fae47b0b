"""Ingest → a code evaluator and an LLM judge score online → a routing rule on their scores queues
the runs → a reviewer labels them → alignment κ and confusion matrix equal scikit-learn's; a second
judge version that agrees better shows so side by side."""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from tests.evaluators.fake_judge import COMPLETION_TOKENS, PROMPT_TOKENS
from tests.factories import run_payload

# (output text, what the human reviewer says, how many runs like it)
CASES = [
    ("The answer is wrong here.", "bad", 4),  # naive judge: bad, careful: bad
    ("I am sorry for the wait, here is the correct answer.", "good", 3),  # naive: bad, careful: good
    ("Correct answer; contact jane@example.com for more.", "good", 3),  # PII → routed by the code check
    ("Subtly wrong answer, mail bob@example.org.", "bad", 2),  # PII; naive: good, careful: bad
    ("All correct.", "good", 3),  # routed by nothing
]
PROMPT = (
    "Question: {{inputs}}\nAnswer: {{outputs}}\nProject tier: {{metadata.tier}}\nIs the answer good or bad?"
)


def _evaluator(client, **body):
    response = client.post("/api/v1/evaluators", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_judge_routes_reviewers_label_alignment_matches_sklearn(client, judge, drain, make_user):
    client.post(
        "/api/v1/feedback-configs",
        json={
            "key": "quality",
            "type": "categorical",
            "options": [{"value": "good", "score": 1}, {"value": "bad", "score": 0}],
        },
    )
    reviewer = make_user("reviewer", "rita@example.com")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "judge flagged",
            "reviewers": [str(reviewer.id)],
            "rubric": [{"key": "quality", "required": True}],
        },
    ).json()
    rule = client.post(
        f"/api/v1/queues/{queue['id']}/rules",
        json={"name": "judge or PII", "filter": "feedback.quality < 0.5 or feedback.no_pii < 0.5"},
    )
    assert rule.status_code == 201, rule.text
    code = _evaluator(
        client,
        name="no personal data",
        key="no_pii",
        kind="code",
        spec={"checks": [{"type": "pii", "kinds": ["email", "phone", "card", "iban"]}]},
        online={"filter": "", "sample_rate": 1.0},
    )
    judge_eval = _evaluator(
        client,
        name="quality judge",
        key="quality",
        kind="llm_judge",
        spec={
            "base_url": judge.base_url,
            "model": "judge-naive",
            "prompt": PROMPT,
            "price_per_1k_input": 0.5,
        },
        online={"filter": "", "sample_rate": 1.0, "daily_budget_usd": 10},
    )

    runs, human = [], {}
    for text, label, count in CASES:
        for _ in range(count):
            run = run_payload(outputs={"answer": text}, metadata={"tier": "gold"})
            runs.append(run)
            human[run["id"]] = label
    assert client.post("/api/v1/runs/batch", json={"post": runs}).status_code in (200, 202)
    outcomes = drain()
    assert outcomes.count("done") == 2 * len(runs)

    # The judge saw the rendered prompt; its scores are model feedback with provenance and cost.
    prompt = judge.requests[0]["body"]["messages"][-1]["content"]
    assert "Project tier: gold" in prompt and "{{" not in prompt
    scored = client.get("/api/v1/feedback", params={"key": "quality", "source": "model"}).json()["items"]
    assert len(scored) == len(runs)
    one = client.get(f"/api/v1/feedback/{scored[0]['id']}").json()
    assert one["source"] == "model" and one["comment"].startswith("judge-naive finds it")
    for listed in scored:
        assert (listed["evaluator_id"], listed["evaluator_version"]) == (judge_eval["id"], 1)
        assert listed["tokens"] == {"prompt": PROMPT_TOKENS, "completion": COMPLETION_TOKENS}
        assert listed["cost"] == pytest.approx(PROMPT_TOKENS * 0.5 / 1000)
    exported = [json.loads(line) for line in client.get("/api/v1/exports/feedback").text.splitlines()]
    assert {(r["key"], r["source"], r["evaluator_id"], r["evaluator_version"]) for r in exported} == {
        ("quality", "model", judge_eval["id"], 1),
        ("no_pii", "model", code["id"], 1),
    }
    checked = client.get("/api/v1/feedback", params={"key": "no_pii"}).json()["items"]
    assert {(f["evaluator_id"], f["evaluator_version"], f["tokens"], f["cost"]) for f in checked} == {
        (code["id"], 1, None, 0.0)
    }

    # Routed: runs the naive judge called bad, and runs the code check found personal data in.
    items = client.get(f"/api/v1/queues/{queue['id']}/items", params={"limit": 100}).json()["items"]
    routed = {i["run_id"] for i in items}
    expected = {r["id"] for r in runs if not r["outputs"]["answer"].startswith("All correct")}
    assert routed == expected

    while (
        view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers)
    ).status_code == 200:
        run_id = view.json()["runs"][0]["id"]
        done = client.post(
            f"/api/v1/items/{view.json()['item']['id']}/submit",
            json={"answers": {"quality": human[run_id]}},
            headers=reviewer.headers,
        )
        assert done.status_code == 200, done.text

    labelled = client.get("/api/v1/feedback", params={"key": "quality", "source": "human"}).json()["items"]
    assert len(labelled) == len(routed)
    for label in labelled:
        assert [label[k] for k in ("evaluator_id", "evaluator_version", "tokens", "cost")] == [None] * 4

    # Version 2: a careful prompt/model; run it offline over the same runs.
    changed = client.patch(
        f"/api/v1/evaluators/{judge_eval['id']}",
        json={"spec": {**judge_eval["spec"], "model": "judge-careful"}},
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    started = client.post(f"/api/v1/evaluators/{judge_eval['id']}/runs", json={"filter": ""})
    assert (
        started.status_code == 202 and started.json()["total"] == len(runs) and started.json()["version"] == 2
    )
    drain()
    progress = client.get(f"/api/v1/evaluators/{judge_eval['id']}/runs/{started.json()['id']}").json()
    assert (
        progress["status"] == "done"
        and progress["progress"] == 1.0
        and progress["counts"] == {"done": len(runs)}
    )

    report = client.get(f"/api/v1/evaluators/{judge_eval['id']}/alignment", params={"queue_id": queue["id"]})
    assert report.status_code == 200, report.text
    by_version = {v["version"]: v for v in report.json()["versions"]}
    assert set(by_version) == {1, 2}
    naive_says = {r["id"]: _naive(r["outputs"]["answer"]) for r in runs}
    pairs = sorted((rid, human[rid], naive_says[rid]) for rid in routed)
    v1 = by_version[1]
    assert v1["pairs"] == len(pairs) == 12
    h, m = [p[1] for p in pairs], [p[2] for p in pairs]
    assert v1["cohen_kappa"] == pytest.approx(cohen_kappa_score(h, m))
    labels = v1["confusion"]["labels"]
    assert labels == ["good", "bad"]
    assert v1["confusion"]["matrix"] == confusion_matrix(h, m, labels=labels).tolist()
    assert v1["percent_agreement"] == pytest.approx(sum(a == b for a, b in zip(h, m, strict=True)) / len(h))
    assert v1["cohen_kappa_interval"] is not None and v1["krippendorff_alpha"] is not None
    assert len(v1["largest_disagreements"]) == 5  # 3 "sorry" runs, 2 "subtly wrong" ones
    v2 = by_version[2]
    assert v2["cohen_kappa"] == pytest.approx(1.0) and v2["percent_agreement"] == 1.0
    assert report.json()["best_version"] == 2

    second_look = client.post(
        "/api/v1/queues", json={"name": "second look", "rubric": [{"key": "quality"}]}
    ).json()
    sent = client.post(
        f"/api/v1/evaluators/{judge_eval['id']}/alignment/disagreements",
        json={"queue_id": second_look["id"], "source_queue_id": queue["id"], "version": 1},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["added"] == 5
    assert set(sent.json()["run_ids"]) == {d["run_id"] for d in v1["largest_disagreements"]}

    evaluators = client.get("/api/v1/evaluators").json()["items"]
    assert {e["name"]: e["jobs"] for e in evaluators}["no personal data"] == {"done": len(runs)}
    assert code["version"] == 1


def _naive(text: str) -> str:
    lower = text.lower()
    return "bad" if "sorry" in lower or ("wrong" in lower and "subtly" not in lower) else "good"
