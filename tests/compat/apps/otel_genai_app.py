"""An application instrumented with the OpenTelemetry GenAI instrumentation for OpenAI
(opentelemetry-instrumentation-openai-v2), exporting spans, logs and metrics over OTLP/HTTP as
configured by the standard OTEL_* variables; OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT says
whether messages travel in span attributes (SPAN_ONLY) or in log events (EVENT_ONLY)."""

import json

from openai import OpenAI
from opentelemetry import _logs, metrics, trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

resource = Resource.create({"service.name": "support-bot"})
tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(tracer_provider)
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
_logs.set_logger_provider(logger_provider)
meter_provider = MeterProvider(
    resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())]
)
metrics.set_meter_provider(meter_provider)
OpenAIInstrumentor().instrument()

tracer = trace.get_tracer("support-bot")
openai = OpenAI()
TOOLS = [{"type": "function", "function": {"name": "lookup_order", "parameters": {"type": "object"}}}]

with tracer.start_as_current_span(
    "invoke_agent support-bot",
    attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": "conv-7", "tier": "gold"},
) as root:
    print("trace", format(root.get_span_context().trace_id, "032x"))
    messages = [
        {"role": "system", "content": "Answer from the order system."},
        {"role": "user", "content": "Where is order 7?"},
    ]
    first = openai.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    with tracer.start_as_current_span(
        "execute_tool lookup_order",
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_order",
            "gen_ai.tool.call.arguments": call.function.arguments,
        },
    ) as tool_span:
        result = {"order_id": "7", "status": "shipped"}
        tool_span.set_attribute("gen_ai.tool.call.result", json.dumps(result))
    messages += [
        first.choices[0].message,
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)},
    ]
    stream = openai.chat.completions.create(
        model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
    )
    print("".join(c.choices[0].delta.content or "" for c in stream if c.choices))

tracer_provider.force_flush()
logger_provider.force_flush()
meter_provider.force_flush()
