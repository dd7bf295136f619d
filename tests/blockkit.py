"""What Slack refuses in a message or a modal: the Block Kit limits the fake Slack enforces."""

from __future__ import annotations

import json
from typing import Any

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
MODAL_TITLE_MAX = 24
BUTTON_TEXT_MAX = 75
ACTIONS_ELEMENTS_MAX = 25
MESSAGE_TEXT_MAX = 40000


def block_kit_problems(payload: dict[str, Any], *, modal: bool = False) -> list[str]:
    """What in a message or modal payload Slack would reject."""
    problems = []
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    limit = MODAL_BLOCKS_MAX if modal else MESSAGE_BLOCKS_MAX
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    if len(payload.get("text") or "") > MESSAGE_TEXT_MAX:
        problems.append("text too long")
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text", "")
            if len(text) > SECTION_TEXT_MAX:
                problems.append(f"section text {len(text)} > {SECTION_TEXT_MAX}")
            if not text and not block.get("fields"):
                problems.append("empty section")
        if kind == "header" and len(block["text"]["text"]) > HEADER_TEXT_MAX:
            problems.append("header too long")
        if kind == "actions":
            elements = block.get("elements", [])
            if len(elements) > ACTIONS_ELEMENTS_MAX:
                problems.append("too many actions")
            for element in elements:
                if element.get("type") == "button" and len(element["text"]["text"]) > BUTTON_TEXT_MAX:
                    problems.append("button text too long")
                if len(element.get("action_id", "")) > 255 or len(element.get("value", "")) > 2000:
                    problems.append("action id or value too long")
        if kind == "context" and len(block.get("elements", [])) > 10:
            problems.append("too many context elements")
    if modal:
        title = (payload.get("title") or {}).get("text", "")
        if not title or len(title) > MODAL_TITLE_MAX:
            problems.append(f"modal title {title!r} not 1..{MODAL_TITLE_MAX} chars")
        if len(payload.get("private_metadata") or "") > 3000:
            problems.append("private_metadata too long")
    return problems
