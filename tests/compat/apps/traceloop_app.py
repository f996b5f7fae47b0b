"""An OpenLLMetry (traceloop-sdk) application: a workflow with an agent, a tool and OpenAI calls (one
streamed). TRACELOOP_BASE_URL and TRACELOOP_HEADERS point it at ReviewDesk; metrics go there too (on
by default). With CONTENT_AS=events the OpenAI instrumentation sends messages as OTLP log events."""

import os

from openai import OpenAI
from opentelemetry import metrics, trace
from traceloop.sdk import Traceloop
from traceloop.sdk.decorators import agent, tool, workflow
from traceloop.sdk.instruments import Instruments

events = os.environ.get("CONTENT_AS") == "events"
if events:
    # The events path needs a logger provider set before the instrumentation starts.
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(
            OTLPLogExporter(
                endpoint=os.environ["TRACELOOP_BASE_URL"] + "/v1/logs",
                headers=dict([os.environ["TRACELOOP_HEADERS"].split("=", 1)]),
            )
        )
    )
    set_logger_provider(logger_provider)

Traceloop.init(
    app_name="support-bot", disable_batch=True, instruments={Instruments.OPENAI}, use_attributes=not events
)
openai = OpenAI()
TOOLS = [{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]


@tool(name="lookup_order")
def lookup_order(order_id: str) -> dict:
    return {"order_id": order_id, "status": "shipped"}


@agent(name="order_agent")
def order_agent(question: str) -> str:
    messages = [
        {"role": "system", "content": "Answer from the order system."},
        {"role": "user", "content": question},
    ]
    first = openai.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    result = lookup_order(order_id="7")
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": str(result)}]
    stream = openai.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
    )
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


@workflow(name="support-bot")
def support_bot(question: str) -> str:
    Traceloop.set_association_properties({"user_id": "u-42", "session_id": "conv-7", "tier": "gold"})
    print("trace", format(trace.get_current_span().get_span_context().trace_id, "032x"))
    return order_agent(question)


print(support_bot("Where is order 7?"))
trace.get_tracer_provider().force_flush()
metrics.get_meter_provider().force_flush()
if events:
    logger_provider.force_flush()
