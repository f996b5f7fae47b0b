"""The reviewer sees the evidence: conversations, tool calls and documents in the review view, pairwise
and the trace view; long tokens wrap; blind pairs name no model; conditional fields; a keyboard loop
of ten items with the next one prefetched and swapped in without a page load."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback
from tests.web.conftest import login, press_and_swap, screenshot
from tests.web.evidence_seed import (
    AGENT_MODELS,
    HTML_IN_ARGS,
    HTML_IN_DOC,
    LC_MODEL,
    LONG_TOKEN,
    OPENAI_MODEL,
    Evidence,
    make_evidence,
)
from tests.web.seed import World


@pytest.fixture(scope="module")
def evidence(web_db, world: World, base_url: str) -> Evidence:  # type: ignore[no-untyped-def]
    return make_evidence(web_db, world, base_url)


def _no_raw_langchain(page) -> None:  # type: ignore[no-untyped-def]
    text = page.locator("main").inner_text()
    assert '"lc": 1' not in text and '"lc":1' not in text
    assert page.locator("dt", has_text=re.compile(r"^lc$")).count() == 0  # no JSON tree of an lc object
    assert "constructor" not in text


def _roles(scope) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.split(" ")[0].lower() for r in scope.locator(".msg-role").all_inner_texts()]


def _fits_the_window(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_review_view_draws_conversations_tool_calls_and_sources(page, evidence: Evidence, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{evidence.evidence_queue['id']}/review")

    # 1. ChatModel traced by LangChain through the LangSmith SDK: serialized messages and generations.
    run = page.locator("article.run")
    assert run.get_attribute("id") == f"run-{evidence.lc_chat_run}"
    assert _roles(run.locator(".io").first) == ["system", "user"]
    assert "How do I reset my AX3000 router?" in run.locator(".msg-user").inner_text()
    assert run.locator(".io.output .msg-assistant strong").inner_text() == "reset"  # markdown drawn
    _no_raw_langchain(page)
    screenshot(page, "evidence-review-langchain-chat")
    page.keyboard.press("1")
    press_and_swap(page, "s")

    # 2. The RAG chain: the retriever's documents in a Sources panel, without a click.
    assert page.locator("article.run").get_attribute("id") == f"run-{evidence.lc_rag_trace}"
    sources = page.locator(".sources .doc-card")
    assert sources.count() == 2
    assert sources.first.locator(".doc-title").inner_text() == "Resetting the AX3000 router"
    assert sources.first.locator(".doc-source").inner_text() == "kb/router-reset"
    assert "Hold the reset button" in sources.first.inner_text()
    screenshot(page, "evidence-review-rag-sources")
    # E opens the same span tree as the trace view, root open, with the LLM span's conversation.
    page.keyboard.press("e")
    panel = page.locator(".trace-panel")
    panel.locator(".timeline .tl-row").first.wait_for()
    assert panel.locator(".tree > li > details[open]").count() == 1
    panel.locator(f'[data-open-span="span-{evidence.lc_rag_llm_run}"]').click()
    llm_span = panel.locator(f"#span-{evidence.lc_rag_llm_run} > details")
    assert llm_span.get_attribute("open") is not None
    assert _roles(llm_span.locator(".span-body").first) == ["system", "user", "assistant"]
    _no_raw_langchain(page)
    screenshot(page, "evidence-review-trace-panel", full_page=True)
    page.keyboard.press("1")
    press_and_swap(page, "s")

    # 3. OpenAI chat with an image part, a tool call, its result and the final answer.
    assert page.locator("article.run").get_attribute("id") == f"run-{evidence.openai_run}"
    call = page.locator(".tool-call")
    assert call.locator(".tool-name").inner_text() == "lookup_order"
    assert '"order_id": 1042' in call.locator(".tool-args").inner_text()
    assert "result of call_7" in page.locator(".msg-tool .msg-role").inner_text().lower()
    assert "receipt-1042.png" in page.locator(".msg-image").inner_text()
    assert "arrives on Friday" in page.locator(".io.output .msg-assistant").inner_text()
    screenshot(page, "evidence-review-openai-tools")
    page.keyboard.press("1")
    press_and_swap(page, "s")

    # 4. A 3,000-character token wraps, and a long answer folds behind "Show more".
    assert page.locator("article.run").get_attribute("id") == f"run-{evidence.long_run}"
    assert _fits_the_window(page)
    fold = page.locator(".io.output details.fold")
    assert "Show more" in fold.locator(".fold-more").inner_text()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2500
    fold.locator("summary").click()
    assert LONG_TOKEN in fold.locator(".md").inner_text()
    assert _fits_the_window(page)
    box = page.locator("#submit-button").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800  # Submit stays on screen
    screenshot(page, "evidence-review-long-token")
    assert page.js_errors == []


def test_trace_view_opens_the_root_and_the_span_in_the_address(page, evidence: Evidence, world: World):
    login(page, world.member.email, world.member.password)
    page.goto(f"/traces/{evidence.lc_rag_trace}#run-{evidence.lc_rag_llm_run}")
    root = page.locator(f"#run-{evidence.lc_rag_trace} > details")
    assert root.get_attribute("open") is not None
    llm = page.locator(f"#run-{evidence.lc_rag_llm_run} > details")
    assert llm.get_attribute("open") is not None
    expect(page.locator(f"#run-{evidence.lc_rag_llm_run} > details > summary")).to_be_in_viewport()
    assert _roles(llm.locator(".span-body").first) == ["system", "user", "assistant"]
    retriever = page.locator("details.span", has=page.locator("> summary > .badge.type-retriever"))
    retriever.locator("> summary").click()
    assert retriever.locator(".doc-card").count() == 2
    rows = page.locator(".timeline .tl-row")
    assert rows.count() >= 3
    assert [t.strip() for t in rows.locator(".badge").all_inner_texts()][:1] == ["chain"]
    _no_raw_langchain(page)
    screenshot(page, "evidence-trace-langchain-rag")
    page.goto(f"/traces/{evidence.openai_run}")
    assert page.locator(".tool-call .tool-name").inner_text() == "lookup_order"
    assert page.locator(".timeline .tl-figures").first.inner_text().endswith("228 tok")
    screenshot(page, "evidence-trace-openai-tools")
    assert page.js_errors == []


def test_blind_pairwise_names_no_model_and_hides_scores_until_submit(
    page, web_db, evidence: Evidence, world: World
):
    feedback.create_feedback(
        web_db,
        SYSTEM_ACTOR,
        {
            "run_id": str(evidence.openai_run),
            "key": "helpfulness",
            "score": 2,
            "source": "model",
            "comment": "judge",
        },
    )
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{evidence.blind_queue['id']}/review")
    sides = page.locator("article.run")
    assert sides.count() == 2
    item = page.locator(".review-bar").get_attribute("data-item-id")
    text = page.locator("main").inner_text().lower()
    for name in (LC_MODEL, OPENAI_MODEL, "claude", "gpt-4o"):
        assert name.lower() not in text
    # The model's score and comment wait until the reviewer submits (its own earlier scores stay).
    assert "judge" not in text and page.locator(".suggested").count() == 0
    assert all(s == "human" for s in page.locator(".scores td:nth-child(3)").all_inner_texts())
    # Both sides are conversations, not JSON.
    assert (
        sides.nth(0).locator(".msg-assistant").count() >= 1
        and sides.nth(1).locator(".msg-assistant").count() >= 1
    )
    _no_raw_langchain(page)
    screenshot(page, "evidence-pairwise-blind")
    page.keyboard.press("a")
    press_and_swap(page, "s")
    page.goto(f"/queues/{evidence.blind_queue['id']}/review?item={item}")
    assert "judge" in page.locator("main").inner_text()  # shown once submitted
    assert page.js_errors == []


def test_blind_pairwise_sides_show_documents_and_tool_calls_as_text(page, evidence: Evidence, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{evidence.agent_queue['id']}/review")
    sides = page.locator("article.run")
    assert sides.count() == 2
    for side in (sides.nth(0), sides.nth(1)):
        cards = side.locator(".sources .doc-card")
        assert cards.count() == 2
        assert cards.first.locator(".doc-title").inner_text() == "Resetting the AX3000 router"
        assert HTML_IN_DOC in cards.first.locator(".doc-text").inner_text()  # markup shown as text
        assert side.locator(".doc-text b").count() == 0
        call = side.locator(".io.output .tool-call")
        assert call.locator(".tool-name").inner_text() == "lookup_order"
        assert HTML_IN_ARGS in call.locator(".tool-args").inner_text()
        assert side.locator("script").count() == 0
        assert "result of call_" in side.locator(".msg-tool .msg-role").inner_text().lower()
        assert "ships Friday" in side.locator(".io.output .msg-assistant").last.inner_text()
    # E opens both sides' traces: the LLM spans inside name no model either.
    page.keyboard.press("e")
    for side in (sides.nth(0), sides.nth(1)):
        side.locator(".trace-panel .timeline .tl-row").first.wait_for()
        assert side.locator(".trace-panel .doc-card").count() >= 2
    shown = page.locator(".review-left").text_content().lower()
    for name in (*AGENT_MODELS, "claude", "gpt-4", "anthropic", "openai"):
        assert name.lower() not in shown
    assert _fits_the_window(page)
    screenshot(page, "evidence-pairwise-agents", full_page=True)
    # A span opened from the timeline scrolls to just under the sticky review bar, not beneath it.
    page.set_viewport_size({"width": 1280, "height": 400})
    sides.nth(0).locator(".trace-panel .tl-row", has_text="kb_search").locator("a").click()
    target = sides.nth(0).locator(".trace-panel details.span[open] > summary", has_text="kb_search")
    page.wait_for_function(
        "async () => { let y = -1; while (y !== window.scrollY) { y = window.scrollY;"
        " await new Promise((r) => setTimeout(r, 150)); } return true; }"
    )
    bar = page.locator(".review-bar").bounding_box()
    box = target.bounding_box()
    assert bar is not None and box is not None and box["y"] >= bar["y"] + bar["height"], (bar, box)
    screenshot(page, "evidence-pairwise-agents-span")
    assert page.js_errors == []


def test_a_conditional_field_appears_and_is_required_after_its_trigger(
    page, web_db, evidence: Evidence, world: World
):
    login(page, world.reviewer.email, world.reviewer.password)
    queue_id = evidence.conditional_queue["id"]
    page.goto(f"/queues/{queue_id}/review")
    grounded = page.locator('fieldset[data-field="groundedness"]')
    assert grounded.is_hidden()
    page.keyboard.press("1")  # good: still hidden, and not required
    assert grounded.is_hidden()
    press_and_swap(page, "s")
    page.keyboard.press("3")  # bad: the follow-up question appears, required
    assert grounded.is_visible()
    assert grounded.locator(".req").is_visible()
    screenshot(page, "evidence-conditional")
    before = page.locator(".review-bar").get_attribute("data-item-id")
    page.keyboard.press("s")  # the browser refuses: the follow-up is required now
    page.wait_for_timeout(300)
    assert page.locator(".review-bar").get_attribute("data-item-id") == before
    grounded.locator("input[value=hallucinated]").check()
    press_and_swap(page, "s")
    rows, _next = feedback.list_feedback(
        web_db, SYSTEM_ACTOR, filters={"queue_id": [queue_id]}, limit=100, cursor=None
    )
    answers = sorted((r["key"], r["value"]) for r in rows)
    assert answers == [
        ("groundedness", "hallucinated"),
        ("overall_quality", "bad"),
        ("overall_quality", "good"),
    ]
    assert page.js_errors == []


def test_ten_items_by_keyboard_with_the_next_one_prefetched(page, web_db, evidence: Evidence, world: World):
    login(page, world.reviewer.email, world.reviewer.password)
    queue_id = evidence.loop_queue["id"]
    page.goto(f"/queues/{queue_id}/review")
    page.wait_for_selector("#review-form")
    loads: list[str] = []
    prefetches: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    page.on("request", lambda r: prefetches.append(r.url) if "/review/prefetch" in r.url else None)
    seen = []
    for n in range(10):
        seen.append(page.locator(".review-bar").get_attribute("data-item-id"))
        assert page.evaluate("() => document.activeElement?.type") == "radio"  # focus kept on the rubric
        page.keyboard.press(str(n % 3 + 1))
        press_and_swap(page, "s")
        # "← Previous" leads to the item just sent; the progress line is kept, then refreshed.
        assert page.locator("#nav-prev").get_attribute("href").endswith(f"?item={seen[-1]}")
        page.wait_for_function(
            "(done) => document.getElementById('progress').innerText.startsWith(done + ' of ')", arg=n + 1
        )
    assert loads == []  # no page load in ten items
    assert len(prefetches) >= 10
    assert len(set(seen)) == 10
    rows, _next = feedback.list_feedback(
        web_db, SYSTEM_ACTOR, filters={"queue_id": [queue_id]}, limit=100, cursor=None
    )
    assert len(rows) == 10
    screenshot(page, "evidence-keyboard-loop")
    assert page.js_errors == []
