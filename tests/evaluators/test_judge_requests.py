"""What an LLM judge is sent and how its answer is read: structured output by JSON Schema, by a forced
tool call or by the prompt alone, and the run's chat messages as `{{messages}}` in the prompt."""

from __future__ import annotations

import pytest

from tests.domain.test_llm_messages import LC_INPUTS, LC_OUTPUTS
from tests.evaluators.conftest import judge_evaluator as _judge
from tests.factories import run_payload


def _scores(client, run):
    items = client.get("/api/v1/feedback", params={"run_id": run["id"], "source": "model"}).json()["items"]
    return [(i["value"], i["comment"]) for i in items]


def test_tool_call_mode_forces_the_judgement_function_and_reads_its_arguments(client, judge, drain):
    evaluator = _judge(client, judge, structured_output="tool_call")
    assert evaluator["spec"]["structured_output"] == "tool_call"
    run = run_payload(outputs={"answer": "that is wrong"})
    client.post("/api/v1/runs/batch", json={"post": [run]})
    assert drain() == ["done"]
    assert _scores(client, run) == [("bad", "judge-careful finds it bad")]
    body = judge.requests[-1]["body"]
    assert "response_format" not in body
    (tool,) = body["tools"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": tool["function"]["name"]}}
    schema = tool["function"]["parameters"]
    assert schema["properties"]["score"] == {"enum": ["good", "bad"]}
    assert schema["required"] == ["reasoning", "score"]


def test_other_modes_send_a_json_schema_or_the_prompt_alone(client, judge, drain):
    evaluator = _judge(client, judge)
    assert evaluator["spec"]["structured_output"] == "json_schema"  # the default
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["done"]
    assert judge.requests[-1]["body"]["response_format"]["type"] == "json_schema"
    client.patch(
        f"/api/v1/evaluators/{evaluator['id']}",
        json={"spec": {**evaluator["spec"], "structured_output": "none"}},
    )
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    assert drain() == ["done"]
    body = judge.requests[-1]["body"]
    assert "response_format" not in body and "tools" not in body
    assert _scores(client, run) == [("good", "judge-careful finds it good")]


def test_an_unknown_structured_output_is_refused_naming_the_field(client, judge):
    response = client.post(
        "/api/v1/evaluators",
        json={
            "name": "judge",
            "key": "quality",
            "kind": "llm_judge",
            "spec": {"base_url": judge.base_url, "model": "m", "prompt": "p", "structured_output": "xml"},
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "spec.structured_output"


def test_tool_call_failures_are_recorded_then_the_fallback_parser_reads_prose(client, judge, drain, later):
    evaluator = _judge(client, judge, structured_output="tool_call")
    judge.script = ["bad_arguments", "refusal", "prose"]
    run = run_payload(outputs={"answer": "fine"})
    client.post("/api/v1/runs/batch", json={"post": [run]})
    errors = []
    for _ in range(2):
        assert drain() == ["pending"]
        (job,) = client.get(f"/api/v1/evaluators/{evaluator['id']}/jobs").json()["items"]
        errors.append(job["last_error"])
        later(600)
    assert errors[0].startswith("malformed: no score in the answer")
    assert errors[1] == "refusal: the judge refused: I can't help with that."
    assert drain() == ["done"]  # no tool call, the JSON fenced in prose: read all the same
    assert _scores(client, run) == [("good", "prose mode")]


OPENAI_TOOL_RUN = {
    "name": "ChatOpenAI",
    "run_type": "llm",
    "inputs": {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are the order desk."},
            {"role": "user", "content": "Where is order 7?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_order", "arguments": '{"order_id": "7"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "status: wrong address"},
        ],
    },
    "outputs": {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "It went to the wrong address, sorry."}}
        ]
    },
}


@pytest.mark.parametrize(
    ("run_fields", "transcript"),
    [
        (
            {"name": "ChatOpenAI", "run_type": "llm", "inputs": LC_INPUTS, "outputs": LC_OUTPUTS},
            "system: You are support.\n\n"
            "user: How do I reset my router?\n\n"
            'assistant: [calls lookup({"model": "AX3000"})]\n\n'
            'tool lookup: {"steps": 3}\n\n'
            "assistant: Hold the reset button for 10 seconds.",
        ),
        (
            OPENAI_TOOL_RUN,
            "system: You are the order desk.\n\n"
            "user: Where is order 7?\n\n"
            'assistant: [calls get_order({"order_id": "7"})]\n\n'
            "tool get_order: status: wrong address\n\n"
            "assistant: It went to the wrong address, sorry.",
        ),
    ],
    ids=["langchain-serialized", "openai-tool-calls"],
)
def test_the_runs_messages_reach_the_judge_as_a_transcript(client, judge, drain, run_fields, transcript):
    _judge(client, judge, prompt="Conversation:\n{{messages}}\n\nWas the customer helped?")
    run = run_payload(**run_fields)
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code in (200, 202)
    assert drain() == ["done"]
    prompt = judge.requests[-1]["body"]["messages"][-1]["content"]
    assert prompt == f"Conversation:\n{transcript}\n\nWas the customer helped?"
    expected = "bad" if "wrong" in transcript else "good"  # judge-careful reads the whole conversation
    assert _scores(client, run) == [(expected, f"judge-careful finds it {expected}")]
