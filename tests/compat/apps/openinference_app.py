"""An application instrumented with OpenInference's OpenAI instrumentation (Arize Phoenix's),
exporting spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; session, user and metadata
set with OpenInference's context managers."""

from openai import OpenAI
from openinference.instrumentation import get_attributes_from_context, using_attributes
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

provider = TracerProvider(resource=Resource.create({"openinference.project.name": "support-bot"}))
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
OpenAIInstrumentor().instrument(tracer_provider=provider)
tracer = provider.get_tracer("support-bot")
openai = OpenAI()
TOOLS = [{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]

with (
    using_attributes(session_id="conv-7", user_id="u-42", metadata={"tier": "gold"}, tags=["returns"]),
    tracer.start_as_current_span(
        "support-bot",
        # A span made by hand takes the session, user, metadata and tags from the context like this.
        attributes={
            "openinference.span.kind": "CHAIN",
            "input.value": "Where is order 7?",
            **dict(get_attributes_from_context()),
        },
    ) as root,
):
    print("trace", format(root.get_span_context().trace_id, "032x"))
    messages = [
        {"role": "system", "content": "Answer from the order system."},
        {"role": "user", "content": "Where is order 7?"},
    ]
    first = openai.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    with tracer.start_as_current_span(
        "lookup_order",
        attributes={"openinference.span.kind": "TOOL", "input.value": call.function.arguments},
    ) as tool_span:
        tool_span.set_attribute("output.value", '{"order_id": "7", "status": "shipped"}')
        tool_span.set_attribute("output.mime_type", "application/json")
    messages += [
        first.choices[0].message,
        {"role": "tool", "tool_call_id": call.id, "content": "shipped"},
    ]
    stream = openai.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
    )
    answer = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    root.set_attribute("output.value", answer)
    print(answer)
provider.force_flush()
