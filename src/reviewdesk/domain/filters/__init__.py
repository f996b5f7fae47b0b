"""The filter language: one tree from two spellings, compiled to SQL and to a Python predicate.

node = parse('latency > 10 and eq(feedback_key, "correctness")')
evaluate(node, run)                      # routing at ingest
select(runs).where(to_sql(node, SqlTargets(runs, feedback, projects, "sqlite")))
"""

from reviewdesk.domain.filters.builder import parse
from reviewdesk.domain.filters.evaluate import evaluate
from reviewdesk.domain.filters.nodes import (
    And,
    AnyEntry,
    Compare,
    Exists,
    HasTag,
    In,
    JsonPath,
    Node,
    Not,
    Or,
    PairField,
    RunField,
    Sample,
    Search,
)
from reviewdesk.domain.filters.sampling import split_sample_rate
from reviewdesk.domain.filters.to_sql import SqlTargets, to_sql

__all__ = [
    "And",
    "AnyEntry",
    "Compare",
    "Exists",
    "HasTag",
    "In",
    "JsonPath",
    "Node",
    "Not",
    "Or",
    "PairField",
    "RunField",
    "Sample",
    "Search",
    "SqlTargets",
    "evaluate",
    "parse",
    "split_sample_rate",
    "to_sql",
]
