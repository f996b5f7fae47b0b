"""Images in multimodal messages: an OpenAI chat call with image parts, traced by the unmodified
LangSmith SDK's OpenAI wrapper, shows its base64 PNG as an image and every other image part (SVG,
a PNG too large, a link) as a badge, under the page's Content-Security-Policy."""

from __future__ import annotations

import base64
import uuid

import pytest

from reviewdesk.domain.inline_images import MAX_INLINE_IMAGE_BYTES
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, queue_items, queues
from tests.domain.test_inline_images import SVG, png
from tests.fake_openai_server import fake_openai
from tests.web.conftest import login, screenshot
from tests.web.evidence_seed import wait_for_run
from tests.web.seed import World

PHOTO = png(160, 90)
LINK = "https://images.example.com/receipt.png"


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@pytest.fixture(scope="module")
def multimodal_run(web_db, world: World, base_url: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    import langsmith
    import openai
    from langsmith.wrappers import wrap_openai

    key = accounts.create_api_key(web_db, SYSTEM_ACTOR, world.admin.id, name="openai tracer")["key"]
    tracer = langsmith.Client(api_url=f"{base_url}/langsmith", api_key=key)
    run_id = uuid.uuid4()
    too_big = PHOTO + b"\x00" * MAX_INLINE_IMAGE_BYTES
    content = [
        {"type": "text", "text": "What do these receipts say?"},
        {"type": "image_url", "image_url": {"url": _data_url("image/png", PHOTO), "detail": "low"}},
        {"type": "image_url", "image_url": {"url": _data_url("image/svg+xml", SVG)}},
        {"type": "image_url", "image_url": {"url": _data_url("image/png", too_big)}},
        {"type": "image_url", "image_url": {"url": LINK}},
    ]
    with fake_openai() as fake, langsmith.tracing_context(enabled=True, project_name="openai-multimodal"):
        client = wrap_openai(
            openai.OpenAI(base_url=fake.base_url, api_key="sk-test"), tracing_extra={"client": tracer}
        )
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": content}],
            langsmith_extra={"run_id": run_id},
        )
        tracer.flush()
    wait_for_run(web_db, run_id)
    return run_id


def _images_of_the_user_message(page) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """() => {
          const user = document.querySelector('.msg-user');
          return {
            drawn: [...user.querySelectorAll('.msg-image img')].map((img) => [img.naturalWidth, img.naturalHeight]),
            badges: [...user.querySelectorAll('p.msg-image')].map((p) => p.innerText),
          };
        }"""
    )


def _check(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "() => [...document.querySelectorAll('.msg-user .msg-image img')].every((img) => img.complete)"
    )
    images = _images_of_the_user_message(page)
    assert images["drawn"] == [[160, 90]]  # decoded and drawn: the CSP let the data: URL load
    badges = images["badges"]
    assert len(badges) == 3
    assert badges[0].endswith("data:image/svg+xml;base64, not shown: SVG is never drawn")
    assert badges[1].endswith("data:image/png;base64, not shown: larger than 2 MiB")
    assert LINK in badges[2]
    assert page.locator(".msg-user svg, .msg-user script").count() == 0
    assert page.js_errors == []  # no CSP report


def test_data_images_in_an_openai_message_are_drawn_and_nothing_else(
    page, web_db, world: World, multimodal_run: uuid.UUID
):
    login(page, world.admin.email, world.admin.password)
    page.goto(f"/traces/{multimodal_run}")
    _check(page)
    page.locator(".msg-user").first.scroll_into_view_if_needed()
    screenshot(page, "multimodal-trace-view")

    queue = queues.create_queue(
        web_db,
        SYSTEM_ACTOR,
        {
            "name": "multimodal",
            "rubric": [{"key": "overall_quality", "required": True}],
            "reviewers": [str(world.reviewer.id)],
        },
    )
    queue_items.add_items(web_db, SYSTEM_ACTOR, queue["id"], {"run_ids": [str(multimodal_run)]})
    login(page, world.reviewer.email, world.reviewer.password)
    page.goto(f"/queues/{queue['id']}/review")
    _check(page)
    screenshot(page, "multimodal-review")
