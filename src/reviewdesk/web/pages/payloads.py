"""The correction editor's draft and metadata rows; blocks to read come from domain/payload_blocks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain.llm_messages import generation_of
from reviewdesk.domain.payload_blocks import Block, input_blocks, output_blocks

__all__ = ["Block", "CorrectionDraft", "correction_draft", "input_blocks", "metadata_rows", "output_blocks"]

TEXT_KEYS = ("output", "answer", "text", "content", "response", "completion", "result", "generated_text")


@dataclass
class CorrectionDraft:
    """The text the correction editor starts from, and how to turn an edit back into JSON."""

    text: str
    key: str | None  # the output key holding the text; None: the editor holds the whole JSON

    def correction_from(self, edited: str, outputs: Any) -> Any:
        """None when unchanged; the corrected output otherwise (ValueError when JSON is broken)."""
        if edited.replace("\r\n", "\n").strip() == self.text.strip():
            return None
        if self.key is not None:
            return {**(outputs if isinstance(outputs, dict) else {}), self.key: edited.replace("\r\n", "\n")}
        return json.loads(edited)


def correction_draft(outputs: Any) -> CorrectionDraft:
    if isinstance(outputs, dict):
        texts = [k for k in TEXT_KEYS if isinstance(outputs.get(k), str)]
        strings = [k for k, v in outputs.items() if isinstance(v, str)]
        # A model reply (LangChain generations, OpenAI choices) is corrected as JSON, not by its `type`.
        lone = strings[0] if len(strings) == 1 and generation_of(outputs) is None else None
        key = texts[0] if texts else lone
        if key is not None:
            return CorrectionDraft(text=outputs[key], key=key)
    return CorrectionDraft(text=json.dumps(outputs, indent=2, ensure_ascii=False, default=str), key=None)


def metadata_rows(metadata: Any) -> list[tuple[str, str]]:
    if not isinstance(metadata, dict):
        return []
    rows = []
    for key, value in metadata.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        rows.append((str(key), shown))
    return rows
