"""Series for charts: human, model and user scores of a key over time."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.services import analytics
from reviewdesk.store.database import Database

router = APIRouter(tags=["analytics"])


@router.get("/analytics/scores")
def score_series(
    key: str | None = None,
    bucket: str = "day",
    split: str = "source",
    filter: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    days: str | None = None,
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Per `bucket` (hour, day, week) and `split` value (queue, reviewer, source or none): `n`, the mean
    score and, for categorical keys, counts by value. `filter` (the filter language) narrows the runs;
    `source` (comma-separated) the feedback; the window is `since`..`until` or the last `days` (30)."""
    params = {
        "key": key,
        "bucket": bucket,
        "split": split,
        "filter": filter,
        "source": source,
        "since": since,
        "until": until,
    }
    if days is not None:
        params["days"] = days
    return FastJSONResponse(analytics.score_series(db, actor, params))
