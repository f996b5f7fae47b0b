"""The `invoice-extraction` app: OCR text → prompt → LLM → parser → structured invoice fields."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.demo.catalog import B2B_ACCOUNTS
from reviewdesk.domain.demo.failures import llm_error, root_traceback
from reviewdesk.domain.demo.invoice_corpus import VENDORS, format_amount, make_invoice, render_ocr_text
from reviewdesk.domain.demo.models import CLAUDE_HAIKU, GPT_4O, GPT_4O_MINI, LLAMA_70B, ModelSpec
from reviewdesk.domain.demo.spans import BuiltTrace, Quality, Span, close_root, fail_llm, llm_span
from reviewdesk.domain.demo.timing import gap_us, lognormal_us

PROJECT = "invoice-extraction"
MODEL_MIX = ((GPT_4O_MINI, 0.5), (LLAMA_70B, 0.35), (GPT_4O, 0.15))
BETA_MODEL_MIX = ((CLAUDE_HAIKU, 1.0),)

SYSTEM_PROMPT = (
    "You extract structured data from invoices. Return a single JSON object with the keys vendor_name, "
    "vendor_vat_id, invoice_number, invoice_date (YYYY-MM-DD), due_date (YYYY-MM-DD), currency (ISO 4217), "
    "bill_to, line_items (description, quantity, unit_price, amount), subtotal, tax_rate, tax_amount and "
    "total. Numbers must be JSON numbers without currency symbols or thousands separators. Use null for "
    "anything that is not on the invoice; never guess."
)


def _degrade(rng: random.Random, extracted: dict[str, Any]) -> tuple[Quality, list[str]]:
    """Introduces the mistakes extraction models make; returns the quality and fields now missing."""
    roll = rng.random()
    if roll < 0.025:
        extracted["total"] = extracted["subtotal"]  # read the line above the total
        return "hallucinated", []
    if roll < 0.045:
        day = datetime.fromisoformat(extracted["invoice_date"])
        if day.day <= 12 and day.day != day.month:
            extracted["invoice_date"] = day.replace(month=day.day, day=day.month).date().isoformat()
        else:
            extracted["purchase_order"] = f"PO-{rng.randrange(10000, 99999)}"  # not on the document
        return "hallucinated", []
    if roll < 0.065:
        extracted["purchase_order"] = f"PO-{rng.randrange(10000, 99999)}"
        return "hallucinated", []
    if roll < 0.13:
        missing = rng.sample(["due_date", "vendor_vat_id", "tax_rate"], rng.randrange(1, 3))
        for key in missing:
            extracted[key] = None
        return "weak", missing
    return "good", []


def _checks(extracted: dict[str, Any], missing: list[str]) -> dict[str, Any]:
    line_sum = sum(line["amount"] for line in extracted["line_items"])
    subtotal_ok = abs(line_sum - extracted["subtotal"]) < 0.011
    total_ok = abs(extracted["subtotal"] + extracted["tax_amount"] - extracted["total"]) < 0.011
    return {"line_items_match_subtotal": subtotal_ok, "totals_match": total_ok, "missing_fields": missing}


def build_invoice_trace(rng: random.Random, *, model: ModelSpec, fail: bool, start: datetime) -> BuiltTrace:
    vendor = rng.choice(VENDORS)
    issued = start.date() - timedelta(days=rng.randrange(0, 40))
    truth = make_invoice(rng, vendor, rng.choice(B2B_ACCOUNTS), issued)
    text = render_ocr_text(rng, vendor, truth)
    extracted = json.loads(json.dumps(truth))
    quality, missing = _degrade(rng, extracted)
    failing = rng.choice(("llm", "parser")) if fail else None

    document_id = f"doc_{rng.getrandbits(64):016x}"
    root = Span(
        name="extract_invoice",
        run_type="chain",
        inputs={"document_id": document_id, "file_name": f"{truth['invoice_number']}.pdf", "text": text},
        start_us=0,
        end_us=0,
        metadata={"document_source": rng.choice(("email-inbox", "email-inbox", "upload", "api"))},
    )
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": text}]
    t = gap_us(rng)
    prompt = Span(
        name="ChatPromptTemplate",
        run_type="prompt",
        inputs={"text": text},
        outputs={"messages": messages},
        start_us=t,
        end_us=t + rng.randrange(300, 2500),
    )
    t = prompt.end_us + gap_us(rng)

    if failing == "parser":
        # The model kept the invoice's own number format, which the schema rejects.
        extracted["total"] = format_amount(truth["total"], vendor).rsplit(" ", 1)[0]
    content = json.dumps(extracted, ensure_ascii=False, indent=2)
    if model.provider == "together":
        content = f"```json\n{content}\n```"
    chat = llm_span(
        rng,
        name="ChatTogether" if model.provider == "together" else "ChatOpenAI",
        model=model,
        messages=messages,
        reply={"role": "assistant", "content": content},
        start_us=t,
        temperature=0.0,
        extra_inputs={"response_format": {"type": "json_object"}} if model.provider == "openai" else None,
    )
    root.children += [prompt, chat]
    if failing == "llm":
        error, waited = llm_error(rng, model)
        fail_llm(chat, error, waited)
        return _failed(rng, root, chat.end_us, error)
    t = chat.end_us + gap_us(rng)

    parser = Span(
        name="PydanticOutputParser",
        run_type="parser",
        inputs={"input": content},
        outputs=extracted,
        start_us=t,
        end_us=t + lognormal_us(rng, 2, 0.5),
    )
    root.children.append(parser)
    if failing == "parser":
        error = (
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for Invoice\ntotal\n  Input should "
            f"be a valid number, unable to parse string as a number [type=float_parsing, "
            f"input_value={extracted['total']!r}, input_type=str]\n"
            "    For further information visit https://errors.pydantic.dev/2.9/v/float_parsing"
        )
        parser.fail(error)
        return _failed(rng, root, parser.end_us, error)
    root.outputs = {"invoice": extracted, "checks": _checks(extracted, missing)}
    close_root(root, parser.end_us + gap_us(rng))
    return BuiltTrace(root=root, quality=quality)


def _failed(rng: random.Random, root: Span, end_us: int, error: str) -> BuiltTrace:
    root.fail(root_traceback(rng, "invoices/extract", "extract_invoice", error))
    close_root(root, end_us + gap_us(rng))
    return BuiltTrace(root=root, quality="error")
