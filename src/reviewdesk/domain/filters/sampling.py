"""Pulls the tutorial's `random_sample == rate` term out of a routing rule's filter."""

from __future__ import annotations

from reviewdesk.domain.filters.nodes import And, Node, Sample, contains_sample, make_and
from reviewdesk.errors import FilterSyntaxError


def split_sample_rate(node: Node) -> tuple[Node | None, float | None]:
    """Return (the filter without its sample term, the rate); (node, None) when there is none.

    The term may be the whole filter or one conjunct of a top-level `and`; anywhere else (under
    `or`/`not`, or twice) it has no meaning as a rate, so it is rejected here, with its position.
    """
    if isinstance(node, Sample):
        return None, node.rate
    children = node.children if isinstance(node, And) else (node,)
    samples = [child for child in children if isinstance(child, Sample)]
    rest = [child for child in children if not isinstance(child, Sample)]
    for child in rest:
        if (nested := contains_sample(child)) is not None:
            raise FilterSyntaxError(
                f"{nested.location}: random_sample must be a top-level condition joined with 'and', "
                "not inside 'or' or 'not'",
                position=nested.position,
            )
    if len(samples) > 1:
        raise FilterSyntaxError(
            f"{samples[1].location}: random_sample may appear only once", position=samples[1].position
        )
    if not samples:
        return node, None
    return make_and(rest), samples[0].rate
