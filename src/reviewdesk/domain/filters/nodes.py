"""The typed tree both filter spellings parse to; the compilers pattern-match on these classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias
from uuid import UUID

Scalar: TypeAlias = str | int | float | bool | datetime | UUID | None
CompareOp = Literal["eq", "gt", "gte", "lt", "lte"]
JsonRoot = Literal["metadata", "inputs", "outputs"]
Family = Literal["feedback", "metadata", "inputs", "outputs"]
PairPart = Literal["key", "value", "score"]

ORDER_OPS: frozenset[str] = frozenset({"gt", "gte", "lt", "lte"})


@dataclass(frozen=True, slots=True)
class RunField:
    """A run attribute held in a column: `name`, `latency_ms`, `tags`, `project` (its name), …"""

    name: str


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A path of object keys into `metadata`, `inputs` or `outputs`; `()` is the whole document."""

    root: JsonRoot
    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PairField:
    """One side of a LangSmith virtual pair (`feedback_key`, `metadata_value`, …); only inside AnyEntry."""

    family: Family
    part: PairPart


Field: TypeAlias = RunField | JsonPath | PairField


class Node:
    """Base of every filter tree node."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class And(Node):
    """All children hold; no children is TRUE."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    """Some child holds; no children is FALSE."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    child: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """`field op value`; `neq` is spelled Not(Compare(eq)). `eq` with None means missing or null."""

    field: Field
    op: CompareOp
    value: Scalar


@dataclass(frozen=True, slots=True)
class In(Node):
    """Some value of `values` equals the field (each as `Compare(field, "eq", value)`)."""

    field: Field
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class HasTag(Node):
    tag: str


@dataclass(frozen=True, slots=True)
class Exists(Node):
    """The key at the end of `path` is present, whatever its value (JSON null included)."""

    path: JsonPath


@dataclass(frozen=True, slots=True)
class Search(Node):
    """ASCII-case-insensitive substring of a string column or of any string inside a JSON field."""

    fields: tuple[RunField | JsonPath, ...]
    text: str


@dataclass(frozen=True, slots=True)
class AnyEntry(Node):
    """Some single entry of the family (a feedback row, a top-level JSON key) satisfies every term."""

    family: Family
    terms: tuple[Compare | In, ...]


@dataclass(frozen=True, slots=True)
class Sample(Node):
    """`random_sample == rate`: a routing rule's sample rate, never a predicate on a run."""

    rate: float
    position: int = field(default=0, compare=False)
    location: str = field(default="", compare=False)


SEARCH_ALL: tuple[RunField | JsonPath, ...] = (
    RunField("name"),
    RunField("error"),
    JsonPath("inputs"),
    JsonPath("outputs"),
)


def make_and(children: list[Node] | tuple[Node, ...]) -> Node:
    """Flatten nested conjunctions so that virtual pairs in `a and (b and c)` still correlate."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, And) else (child,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def make_or(children: list[Node] | tuple[Node, ...]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def contains_sample(node: Node) -> Sample | None:
    match node:
        case Sample():
            return node
        case And(children) | Or(children):
            for child in children:
                if (found := contains_sample(child)) is not None:
                    return found
        case Not(child):
            return contains_sample(child)
    return None
