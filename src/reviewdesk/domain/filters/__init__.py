"""The filter language: one tree from two spellings, compiled to SQL and to a Python predicate.

    node = parse('latency > 10 and eq(feedback_key, "correctness")')
    evaluate(node, run)                      # routing at ingest
    select(runs).where(to_sql(node, SqlTargets(runs, feedback, projects, "sqlite")))

Semantics, identical in evaluate() and in to_sql() on SQLite and PostgreSQL:
- A comparison on a missing field, SQL NULL, absent JSON key or JSON value of another type than
  the literal is false, and its `not` is true. `!=`/neq is `not ==`. `== null` is missing-or-null.
- Literals are typed: a number matches JSON numbers only (true is no 1), a string JSON strings,
  true/false JSON booleans. Numbers compare as doubles; strings exactly, by code point.
- Timestamps are ISO-8601 (naive = UTC) compared as instants; `latency` is in seconds or a
  duration ("250ms", "5s", "2m"), `latency_ms` in milliseconds.
- `search` is an ASCII-case-insensitive substring of name, error, or any string value in inputs or
  outputs (not keys); non-ASCII letters are not folded.
- `feedback.k op v`: some row with key k whose score (number v) or value (string/bool v) matches;
  `feedback.k == null`: no row with key k.
- Virtual pairs: inside one `and`, key and value terms of one family describe the same entry; a
  negated value term there means "no entry with those keys has that value"; anywhere else a term
  stands alone. metadata_key and friends see top-level keys only.
- `random_sample == r` is a rule's sample rate: split_sample_rate() takes it out; evaluating or
  compiling a tree that still holds it raises Invalid.
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
