"""Correlates LangSmith's virtual pairs: key and value terms inside one `and` refer to one entry.

Rules, per family (feedback rows; top-level keys of metadata, inputs, outputs), inside one `and`:
- the positive terms (eq/gt/…/in on `*_key`, `*_value`, `feedback_score`) become one
  `AnyEntry(family, terms)`: some single entry satisfies all of them;
- a negated value term `not eq(metadata_value, v)` (`neq`) becomes
  `Not(AnyEntry(family, key_terms + (eq,)))`: no entry with those keys has that value;
- a negated key term is just "no entry with that key";
- a term anywhere else (alone, under `or`, under `not`) is an `AnyEntry` of its own.
"""

from __future__ import annotations

from reviewdesk.domain.filters.nodes import (
    And,
    AnyEntry,
    Compare,
    Family,
    In,
    Node,
    Not,
    Or,
    PairField,
    make_and,
)


def _pair(node: Node) -> PairField | None:
    if isinstance(node, Compare | In) and isinstance(node.field, PairField):
        return node.field
    return None


def group_pairs(node: Node) -> Node:
    match node:
        case And(children):
            return _group_conjunction(children)
        case Or(children):
            return Or(tuple(group_pairs(child) for child in children))
        case Not(child):
            return Not(group_pairs(child))
    pair = _pair(node)
    if pair is not None:
        assert isinstance(node, Compare | In)
        return AnyEntry(pair.family, (node,))
    return node


def _group_conjunction(children: tuple[Node, ...]) -> Node:
    positives: dict[Family, list[Compare | In]] = {}
    # Slots keep the conjunction in source order: a family's entry sits where its first term was.
    slots: list[Node | Family | tuple[Family, Compare | In]] = []
    for child in children:
        pair = _pair(child)
        negated = _pair(child.child) if isinstance(child, Not) else None
        if pair is not None:
            assert isinstance(child, Compare | In)
            if pair.family not in positives:
                positives[pair.family] = []
                slots.append(pair.family)
            positives[pair.family].append(child)
        elif negated is not None and negated.part != "key":
            assert isinstance(child, Not) and isinstance(child.child, Compare | In)
            slots.append((negated.family, child.child))
        else:
            slots.append(group_pairs(child))
    result: list[Node] = []
    for slot in slots:
        if isinstance(slot, Node):
            result.append(slot)
        elif isinstance(slot, tuple):
            family, term = slot
            keys = [t for t in positives.get(family, []) if _pair(t) == PairField(family, "key")]
            result.append(Not(AnyEntry(family, (*keys, term))))
        else:
            result.append(AnyEntry(slot, tuple(positives[slot])))
    return make_and(result)
