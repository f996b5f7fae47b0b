"""Signal quality: agreement, human vs model, calibration sessions, adjudication, gold items and
reviewer quality. Figures a sample cannot define come back as None with a `<name>_reason`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reviewdesk.client._base import ClientCore, Id, drop_none
from reviewdesk.client._http import path_part


class SignalMixin(ClientCore):
    def queue_agreement(self, queue_id: Id) -> dict[str, Any]:
        """Per rubric field: `level`, `percent_agreement`, `all_agree_share`, `krippendorff_alpha` (+
        `_interval`, `_reason`), `cohen_kappa`, `fleiss_kappa`, reviewer `pairs`, `disagreements`."""
        return self._request("GET", f"/queues/{path_part(queue_id)}/agreement")

    def human_vs_model(self, key: str, *, queue_id: Id | None = None) -> dict[str, Any]:
        """Model scores on `key` against human ones on the same runs (κ with interval, confusion, or
        correlations for continuous keys)."""
        params = drop_none(**{"key": key, "queue_id": str(queue_id) if queue_id else None})
        return self._request("GET", "/analytics/human-vs-model", params=params)

    def create_calibration(
        self,
        name: str,
        queue_id: Id,
        *,
        item_count: int | None = None,
        run_ids: Sequence[Id] | None = None,
        reviewers: Sequence[Id] | None = None,
        max_disagreement: float = 0.2,
        min_alpha: float = 0.667,
    ) -> dict[str, Any]:
        """A calibration session; its reviewers work through `result["queue_id"]` with next/submit."""
        body = drop_none(
            **{
                "name": name,
                "queue_id": str(queue_id),
                "item_count": item_count,
                "run_ids": [str(r) for r in run_ids] if run_ids is not None else None,
                "reviewers": [str(r) for r in reviewers] if reviewers is not None else None,
                "max_disagreement": max_disagreement,
                "min_alpha": min_alpha,
            }
        )
        return self._request("POST", "/calibrations", json=body)

    def list_calibrations(self, queue_id: Id | None = None) -> list[dict[str, Any]]:
        """Sessions oldest first with per-field figures (the drift of each field over time)."""
        params = drop_none(**{"queue_id": str(queue_id) if queue_id else None})
        return self._all("/calibrations", params)

    def calibration_report(self, calibration_id: Id) -> dict[str, Any]:
        """Per field: percent agreement, disagreement, α with interval, most disputed items, each
        reviewer's distance from the others, `alert`; and `alert`/`alert_fields` overall."""
        return self._request("GET", f"/calibrations/{path_part(calibration_id)}/report")

    def list_adjudications(self, queue_id: Id, status: str = "open") -> list[dict[str, Any]]:
        """Every case, oldest first: `[{"item_id", "run_id", "disagreeing_fields", "reviews",
        "adjudication"}]` (`status` is `open`, `resolved` or `all`)."""
        return self._all(f"/queues/{path_part(queue_id)}/adjudications", {"status": status})

    def adjudicate(self, item_id: Id, answers: dict[str, Any], comment: str | None = None) -> dict[str, Any]:
        """Record the final values of an item (admins, or users granted `adjudicate`)."""
        return self._request(
            "POST",
            f"/items/{path_part(item_id)}/adjudicate",
            json=drop_none(**{"answers": answers, "comment": comment}),
        )

    def add_gold(
        self,
        queue_id: Id,
        *,
        run_id: Id | None = None,
        answers: dict[str, Any] | None = None,
        item_id: Id | None = None,
    ) -> dict[str, Any]:
        """Mark a run's known answers in a queue, or promote an adjudicated item (`item_id`)."""
        if (run_id is None) == (item_id is None):
            raise TypeError("give run_id (with answers) or item_id")
        body = drop_none(
            **{
                "run_id": str(run_id) if run_id else None,
                "answers": answers,
                "item_id": str(item_id) if item_id else None,
            }
        )
        return self._request("POST", f"/queues/{path_part(queue_id)}/gold", json=body)

    def reviewer_quality(self, queue_id: Id) -> dict[str, Any]:
        """Per reviewer: `gold_accuracy`, `consensus_agreement`, `items_reviewed`, `active_seconds`."""
        return self._request("GET", f"/queues/{path_part(queue_id)}/reviewer-quality")
