"""The `support-rag` app: a help-center chat bot that retrieves articles and answers, sometimes over two turns."""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from reviewdesk.domain.demo.catalog import (
    CITIES,
    COLORS,
    FIRST_NAMES,
    LAST_NAMES,
    PRODUCTS,
    person_email,
    random_order_id,
    random_tracking,
)
from reviewdesk.domain.demo.failures import llm_error, root_traceback
from reviewdesk.domain.demo.models import (
    CLAUDE_HAIKU,
    CLAUDE_SONNET,
    EMBEDDING_SMALL,
    GPT_4O,
    GPT_4O_MINI,
    ModelSpec,
    count_tokens,
)
from reviewdesk.domain.demo.spans import (
    BuiltTrace,
    FollowUp,
    Quality,
    Span,
    close_root,
    fail_llm,
    llm_span,
    usage_of,
)
from reviewdesk.domain.demo.support_devices import (
    ANSWER_CLOSERS,
    ANSWER_OPENERS,
    DEVICE_TOPICS,
    FOLLOWUP_OPENERS,
    GREETINGS,
    HALLUCINATED,
    MULTILINGUAL,
    PASTED_MARKUP,
    SIGN_OFFS,
    UNSURE,
)
from reviewdesk.domain.demo.support_topics import ORDER_TOPICS, KbDoc, SupportTopic
from reviewdesk.domain.demo.timing import gap_us, lognormal_us

PROJECT = "support-rag"
MODEL_MIX = ((GPT_4O_MINI, 0.55), (GPT_4O, 0.30), (CLAUDE_SONNET, 0.15))
BETA_MODEL_MIX = ((CLAUDE_HAIKU, 0.6), (CLAUDE_SONNET, 0.4))

TOPICS: tuple[SupportTopic, ...] = ORDER_TOPICS + DEVICE_TOPICS
_TOPIC_BY_KEY = {topic.key: topic for topic in TOPICS}
_ALL_DOCS: tuple[tuple[str, KbDoc], ...] = tuple((topic.key, doc) for topic in TOPICS for doc in topic.docs)

SYSTEM_PROMPT = (
    "You are Lumio's customer support assistant. Answer the customer's question using only the context "
    "below. If the answer is not in the context, say that you don't know and offer to connect them with a "
    "human agent. Never ask for card details. Be concise and friendly; use markdown for steps.\n\n"
    "Context:\n"
)
CONDENSE_PROMPT = (
    "Given the conversation and a follow-up question, rephrase the follow-up question to be a standalone "
    "question, in its original language."
)
# How the condense step names a conversation's subject in its standalone question.
_SUBJECTS = {
    "returns": "returning the {product} from order {order_id}",
    "refund_timing": "the refund for order {order_id}",
    "shipping_times": "delivery of the {product} to {city}",
    "order_tracking": "tracking order {order_id} with {carrier}",
    "change_address": "changing the delivery address of order {order_id}",
    "payment_failed": "a failed card payment at checkout",
    "invoice_download": "the VAT invoice for order {order_id}",
    "discounts": "discounts on the {product}",
    "damaged_item": "the damaged {product} from order {order_id}",
    "gift_cards": "a Lumio gift card",
    "warranty": "the warranty of the {product}",
    "bluetooth_pairing": "pairing the {product} over Bluetooth",
    "firmware": "updating the {product} firmware",
    "battery": "the {product} battery",
    "camera_setup": "setting up the {product}",
    "account": "their Lumio account",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_CURRENCY = {"United Kingdom": "£", "United States": "$", "Canada": "C$"}


class Turn(NamedTuple):
    topic_key: str
    question: str
    answer: str
    quality: Quality


def support_slots(rng: random.Random) -> dict[str, str]:
    city, country, carrier = rng.choice(CITIES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    product, product2 = rng.sample(PRODUCTS, 2)
    return {
        "first_name": first,
        "email": person_email(first, last),
        "product": product.name,
        "product2": product2.name,
        "amount": f"{product.price * rng.choice((0.8, 0.85, 0.9)):.2f}",
        "currency": _CURRENCY.get(country, "€"),
        "order_id": random_order_id(rng),
        "city": city,
        "country": country,
        "carrier": carrier,
        "tracking": random_tracking(rng, carrier),
        "color": rng.choice(COLORS),
        "days": str(rng.randrange(3, 29)),
        "weeks": str(rng.randrange(2, 5)),
        "weekday": rng.choice(_WEEKDAYS),
        "fw": f"{rng.randrange(3, 6)}.{rng.randrange(0, 10)}.{rng.randrange(0, 4)}",
    }


def _phrase(rng: random.Random, question: str, slots: dict[str, str]) -> str:
    text = rng.choice(GREETINGS) + question.format_map(slots) + rng.choice(SIGN_OFFS).format_map(slots)
    return text.lower() if rng.random() < 0.06 else text


def _retrieve(rng: random.Random, topic_key: str, hit: bool) -> list[dict[str, Any]]:
    docs: list[KbDoc] = list(_TOPIC_BY_KEY[topic_key].docs)[:3] if hit else []
    others = [doc for key, doc in _ALL_DOCS if key != topic_key]
    docs += rng.sample(others, 4 - len(docs))
    score = rng.uniform(0.84, 0.93) if hit else rng.uniform(0.58, 0.7)
    results = []
    for doc in docs:
        score -= rng.uniform(0.01, 0.07)
        results.append(
            {
                "page_content": doc.text,
                "metadata": {"source": doc.source, "title": doc.title, "score": round(score, 4)},
                "type": "Document",
            }
        )
    return results


def _context(documents: list[dict[str, Any]]) -> str:
    return "\n\n".join(
        f"[{n}] {doc['metadata']['title']} ({doc['metadata']['source']})\n{doc['page_content']}"
        for n, doc in enumerate(documents, start=1)
    )


def _retriever_span(rng: random.Random, query: str, documents: list[dict[str, Any]], start_us: int) -> Span:
    tokens = count_tokens(query)
    embed_start = start_us + gap_us(rng)
    embed_end = embed_start + lognormal_us(rng, 110, 0.5)
    embedding = Span(
        name="OpenAIEmbeddings",
        run_type="embedding",
        inputs={"input": [query], "model": EMBEDDING_SMALL.name},
        outputs={"embedding_preview": [round(rng.gauss(0, 0.04), 5) for _ in range(6)], "dimensions": 1536},
        start_us=embed_start,
        end_us=embed_end,
        metadata={
            "ls_provider": "openai",
            "ls_model_name": EMBEDDING_SMALL.name,
            "ls_model_type": "embedding",
        },
        usage=usage_of(tokens, 0),
        cost=EMBEDDING_SMALL.cost(tokens, 0),
    )
    return Span(
        name="retrieve_help_center",
        run_type="retriever",
        inputs={"query": query},
        outputs={"documents": documents},
        start_us=start_us,
        end_us=embed_end + lognormal_us(rng, 45, 0.6),
        metadata={
            "ls_retriever_name": "pgvector",
            "ls_vector_store_provider": "PGVector",
            "ls_embedding_provider": "OpenAIEmbeddings",
            "k": 4,
        },
        children=[embedding],
    )


def _chat_model_name(model: ModelSpec) -> str:
    return {"openai": "ChatOpenAI", "anthropic": "ChatAnthropic"}.get(model.provider, "ChatTogether")


def _choose_turn(rng: random.Random, slots: dict[str, str]) -> Turn:
    """The first message of a conversation and the answer the bot gives."""
    roll = rng.random()
    if roll < 0.008:
        question, answer = rng.choice(PASTED_MARKUP)
        return Turn("account", question, answer, "good")
    if roll < 0.06:
        key, question, answer = rng.choice(MULTILINGUAL)
        return Turn(key, question.format_map(slots), answer.format_map(slots), "good")
    topic = rng.choice(TOPICS)
    question = _phrase(rng, rng.choice(topic.questions), slots)
    roll = rng.random()
    if roll < 0.075:
        return Turn(topic.key, question, rng.choice(HALLUCINATED).format_map(slots), "hallucinated")
    if roll < 0.15:
        return Turn(topic.key, question, rng.choice(UNSURE).format_map(slots), "weak")
    return Turn(topic.key, question, _dress_answer(rng, rng.choice(topic.answers)).format_map(slots), "good")


def _dress_answer(rng: random.Random, answer: str) -> str:
    opener = "" if answer.startswith("Hi") else rng.choice(ANSWER_OPENERS)
    return opener + answer + rng.choice(ANSWER_CLOSERS)


def _undress(question: str) -> str:
    for opener in FOLLOWUP_OPENERS:
        if opener and question.startswith(opener):
            rest = question[len(opener) :]
            return rest[0].upper() + rest[1:]
    return question


def _dress_followup(rng: random.Random, question: str) -> str:
    opener = rng.choice(FOLLOWUP_OPENERS)
    return opener + question[0].lower() + question[1:] if opener else question


def build_support_trace(
    rng: random.Random,
    *,
    model: ModelSpec,
    fail: bool,
    history: list[dict[str, str]] | None = None,
    turn: Turn | None = None,
    slots: dict[str, str] | None = None,
) -> BuiltTrace:
    slots = slots or support_slots(rng)
    turn = turn or _choose_turn(rng, slots)
    history = history or []
    root = Span(
        name="support_chat",
        run_type="chain",
        inputs={"question": turn.question, "chat_history": history},
        start_us=0,
        end_us=0,
    )
    t = gap_us(rng)
    query = turn.question
    if history:
        condense = _condense_span(rng, turn, history, slots, t)
        root.children.append(condense)
        t = condense.end_us + gap_us(rng)
        query = _reply(condense)
    failing = rng.choice(("retriever", "llm", "llm")) if fail else None

    documents = _retrieve(rng, turn.topic_key, hit=turn.quality == "good")
    retriever = _retriever_span(rng, query, documents, t)
    root.children.append(retriever)
    if failing == "retriever":
        error = _fail_retrieval(rng, retriever)
        return _failed(rng, root, retriever.end_us, error)

    messages = [
        {"role": "system", "content": SYSTEM_PROMPT + _context(documents)},
        *history,
        {"role": "user", "content": turn.question},
    ]
    chat = llm_span(
        rng,
        name=_chat_model_name(model),
        model=model,
        messages=messages,
        reply={"role": "assistant", "content": turn.answer},
        start_us=retriever.end_us + gap_us(rng),
        temperature=0.2,
    )
    root.children.append(chat)
    if failing == "llm":
        error, waited = llm_error(rng, model)
        fail_llm(chat, error, waited)
        return _failed(rng, root, chat.end_us, error)

    root.outputs = {"answer": turn.answer, "sources": [doc["metadata"]["source"] for doc in documents[:2]]}
    close_root(root, chat.end_us + gap_us(rng))
    built = BuiltTrace(root=root, quality=turn.quality)
    if not history and turn.quality == "good" and rng.random() < 0.22:
        built.followup = _followup(rng, turn, slots, model)
    return built


def _reply(span: Span) -> str:
    assert span.outputs is not None
    return span.outputs["choices"][0]["message"]["content"]


def _condense_span(
    rng: random.Random, turn: Turn, history: list[dict[str, str]], slots: dict[str, str], start_us: int
) -> Span:
    """A follow-up is rewritten into a standalone question before retrieval, as LangChain's chains do."""
    subject = _SUBJECTS[turn.topic_key].format_map(slots)
    condensed = f"{_undress(turn.question).rstrip(' ?!.:/(')} — regarding {subject}?"
    return llm_span(
        rng,
        name="condense_question",
        model=GPT_4O_MINI,
        messages=[
            {"role": "system", "content": CONDENSE_PROMPT},
            *history,
            {"role": "user", "content": turn.question},
        ],
        reply={"role": "assistant", "content": condensed},
        start_us=start_us,
        temperature=0.0,
    )


def _fail_retrieval(rng: random.Random, retriever: Span) -> str:
    error = rng.choice(
        (
            "psycopg.errors.QueryCanceled: canceling statement due to statement timeout",
            "httpx.ConnectTimeout: timed out",
            "openai.APIConnectionError: Connection error.",
        )
    )
    embedding = retriever.children[0]
    retriever.fail(error)
    retriever.end_us = retriever.start_us + lognormal_us(rng, 5000, 0.6)
    embedding.fail(error)
    embedding.end_us = max(embedding.start_us + 1, retriever.end_us - gap_us(rng) // 4)
    return error


def _followup(rng: random.Random, turn: Turn, slots: dict[str, str], model: ModelSpec) -> FollowUp:
    question, answer = rng.choice(_TOPIC_BY_KEY[turn.topic_key].followups)
    question = _dress_followup(rng, question.format_map(slots))
    next_turn = Turn(turn.topic_key, question, _dress_answer(rng, answer).format_map(slots), "good")
    history = [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.answer}]

    def build(rng: random.Random, fail: bool) -> BuiltTrace:
        return build_support_trace(rng, model=model, fail=fail, history=history, turn=next_turn, slots=slots)

    return build


def _failed(rng: random.Random, root: Span, end_us: int, error: str) -> BuiltTrace:
    root.fail(root_traceback(rng, "support_bot/chat", "answer_question", error))
    close_root(root, end_us + gap_us(rng))
    return BuiltTrace(root=root, quality="error")
