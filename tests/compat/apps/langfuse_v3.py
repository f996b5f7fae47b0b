"""A Langfuse SDK v3 application (langfuse 3.x cannot be installed beside the current major):
run in its own venv by record_langfuse_v3.py, which keeps what it sent under recorded/langfuse_v3/."""

from langfuse import get_client, observe
from langfuse.openai import OpenAI

langfuse = get_client()
assert langfuse.auth_check()
openai = OpenAI()


@observe(name="lookup_order", as_type="tool")
def lookup_order(order_id: str) -> dict:
    return {"order_id": order_id, "status": "shipped"}


@observe(name="support-bot")
def support_bot(question: str) -> str:
    langfuse.update_current_trace(
        name="support-bot", user_id="u-42", session_id="conv-7", tags=["returns"], metadata={"tier": "gold"}
    )
    reply = openai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}],
    )
    lookup_order("7")
    langfuse.score_current_trace(name="helpfulness", value=0.0, comment="too vague")
    langfuse.score_current_span(name="correctness", value="wrong", data_type="CATEGORICAL")
    langfuse.score_current_span(name="resolved", value=1, data_type="BOOLEAN")
    print("trace", langfuse.get_current_trace_id())
    return reply.choices[0].message.content


print(support_bot("Where is order 7?"))
langfuse.flush()
