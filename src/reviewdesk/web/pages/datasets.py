"""Dataset pages: the list with a create form, and one dataset's examples at a version or tag."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain import export_formats
from reviewdesk.domain.payload_blocks import Block, input_blocks, output_blocks, preview_line
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Forbidden, Invalid
from reviewdesk.services import dataset_versions, datasets

EXAMPLES_PAGE = 50
RECENT_VERSIONS = 25  # the picker lists this many versions below the latest (a queue's dataset grows
# one version per corrected review); any version stays reachable by URL
SUMMARY_CHARS = 160
FORMAT_LABELS = {"jsonl": "JSONL", "openai-chat": "OpenAI chat", "csv": "CSV", "parquet": "Parquet"}
DEFAULT_SPLITS = (("train", "0.8"), ("test", "0.2"), ("", ""))


def datasets_or_none(db: Any, actor: Actor) -> list[dict[str, Any]] | None:
    """Every dataset for those who may manage them; None for others (the service decides who)."""
    try:
        return datasets.list_datasets(db, actor)
    except Forbidden:
        return None


def message_of(exc: Invalid | Conflict) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


@dataclass
class DatasetsPage:
    datasets: list[dict[str, Any]]
    draft: dict[str, str] = field(default_factory=dict)  # the create form as typed, after a failed save
    error: str | None = None
    notice: str | None = None


def build_datasets_page(
    db: Any,
    actor: Actor,
    *,
    draft: ImmutableMultiDict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> DatasetsPage:
    return DatasetsPage(
        datasets=datasets.list_datasets(db, actor), draft=dict(draft or {}), error=error, notice=notice
    )


def create_dataset(db: Any, actor: Actor, form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    return datasets.create_dataset(
        db,
        actor,
        {
            "name": (form.get("name") or "").strip(),
            "description": (form.get("description") or "").strip() or None,
        },
    )


def _summary(value: Any, *, output: bool) -> str:
    """One line to recognise an example by: the last user turn, the reply, a text, else compact JSON."""
    line = preview_line(value, output=output)
    if not line and value not in (None, {}, []):
        line = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"


@dataclass
class ExampleRow:
    example: dict[str, Any]
    input_summary: str
    output_summary: str
    corrected: bool
    inputs: list[Block]
    outputs: list[Block]


@dataclass
class VersionChoice:
    value: str
    label: str
    selected: bool


@dataclass
class DatasetPage:
    dataset: dict[str, Any]
    rows: list[ExampleRow]
    at: str  # "" (latest), "version:N" or "tag:NAME"
    version: int  # the version the table shows
    split: str
    choices: list[VersionChoice]
    exports: list[tuple[str, str]]  # (label, download URL) for the version and split shown
    cursor: str | None
    next_cursor: str | None
    proportions: list[tuple[str, str]]
    tag_draft: str = ""
    error: str | None = None
    notice: str | None = None

    def link(self, **changes: str | None) -> str:
        """This page's URL with the picker's state, changed as given (None drops a parameter)."""
        params = {"at": self.at, "split": self.split, **changes}
        query = urlencode({k: v for k, v in params.items() if v})
        return f"/datasets/{self.dataset['id']}" + (f"?{query}" if query else "")


def parse_at(at: str) -> tuple[int | None, str | None]:
    """`version:3` → (3, None); `tag:gold` → (None, "gold"); anything else → the latest."""
    kind, _, value = at.partition(":")
    if kind == "version" and value.isdigit():
        return int(value), None
    if kind == "tag" and value:
        return None, value
    return None, None


def _choices(dataset: dict[str, Any], at: str, shown: int) -> list[VersionChoice]:
    latest = dataset["version"]
    choices = [VersionChoice("", f"latest (version {latest})", at == "")]
    for tag, version in sorted(dataset["tags"].items(), key=lambda t: (-t[1], t[0])):
        if tag != datasets.TAG_LATEST:
            choices.append(VersionChoice(f"tag:{tag}", f"tag {tag} (version {version})", at == f"tag:{tag}"))
    versions = list(range(latest, max(-1, latest - RECENT_VERSIONS - 1), -1))
    if at.startswith("version:") and shown not in versions:
        versions.append(shown)
    for version in versions:
        value = f"version:{version}"
        choices.append(VersionChoice(value, f"version {version}", at == value))
    return choices


def export_links(dataset_id: uuid.UUID, version: int, split: str) -> list[tuple[str, str]]:
    links = []
    for fmt in export_formats.FORMATS:
        query = {"format": fmt, "version": str(version), **({"split": split} if split else {})}
        links.append((FORMAT_LABELS[fmt], f"/datasets/{dataset_id}/export?{urlencode(query)}"))
    return links


def build_dataset_page(
    db: Any,
    actor: Actor,
    dataset_id: uuid.UUID,
    *,
    at: str = "",
    split: str = "",
    cursor: str | None = None,
    draft: ImmutableMultiDict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> DatasetPage:
    dataset = datasets.get_dataset(db, actor, dataset_id)
    version, tag = parse_at(at)
    at = "" if version is None and tag is None else at
    examples, next_cursor = dataset_versions.list_examples(
        db,
        actor,
        dataset_id,
        version=version,
        tag=tag,
        split=split or None,
        limit=EXAMPLES_PAGE,
        cursor=cursor or None,
    )
    shown = dataset["tags"].get(tag or "", dataset["version"]) if version is None else version
    rows = [
        ExampleRow(
            example=e,
            input_summary=_summary(e["inputs"], output=False),
            output_summary=_summary(e["outputs"], output=True),
            corrected=bool((e["metadata"] or {}).get("corrected")),
            inputs=input_blocks(e["inputs"]),
            outputs=output_blocks(e["outputs"]),
        )
        for e in examples
    ]
    return DatasetPage(
        dataset=dataset,
        rows=rows,
        at=at,
        version=shown,
        split=split,
        choices=_choices(dataset, at, shown),
        exports=export_links(dataset_id, shown, split),
        cursor=cursor,
        next_cursor=next_cursor,
        proportions=_typed_proportions(draft) if draft is not None else list(DEFAULT_SPLITS),
        tag_draft=(draft or {}).get("tag", ""),
        error=error,
        notice=notice,
    )


def _typed_proportions(form: ImmutableMultiDict[str, str]) -> list[tuple[str, str]]:
    typed = list(zip(form.getlist("split_name"), form.getlist("split_share"), strict=False))
    return typed or list(DEFAULT_SPLITS)


def proportions_from(form: ImmutableMultiDict[str, str]) -> dict[str, float]:
    """The split form's rows (name, share; blank rows skipped) as the service's proportions."""
    proportions: dict[str, float] = {}
    for name, share in _typed_proportions(form):
        name, share = name.strip(), share.strip()
        if not name and not share:
            continue
        if not name:
            raise Invalid("every share needs a split name", field="split_proportions")
        try:
            value = float(share.rstrip("%")) / (100 if share.endswith("%") else 1)
        except ValueError:
            raise Invalid(f"the share of {name!r} must be a number", field="split_proportions") from None
        proportions[name] = value
    return proportions


def assign_splits(
    db: Any, actor: Actor, dataset_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    return datasets.assign_splits(db, actor, dataset_id, {"split_proportions": proportions_from(form)})


def tag_version(
    db: Any, actor: Actor, dataset_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    """Tags the latest version: what the page calls "the current version"."""
    return dataset_versions.tag_version(db, actor, dataset_id, {"tag": (form.get("tag") or "").strip()})


def dataset_id_from(form: ImmutableMultiDict[str, str]) -> uuid.UUID:
    try:
        return uuid.UUID(form.get("dataset_id") or "")
    except ValueError:
        raise Invalid("choose a dataset", field="dataset_id") from None


@dataclass
class AddedToDataset:
    dataset: dict[str, Any]
    added: int
    already_present: int
    version: int


def add_runs(db: Any, actor: Actor, dataset_id: uuid.UUID, payload: dict[str, Any]) -> AddedToDataset:
    """Runs (by id or by filter) into a dataset as examples; a reviewer's correction wins."""
    result = datasets.add_examples(db, actor, dataset_id, payload)
    return AddedToDataset(dataset=datasets.get_dataset(db, actor, dataset_id), **result)
