"""The terminal channel: messages as plain lines, options as numbered lines."""

from __future__ import annotations

from pathlib import Path

from conversations.messages import Outbound


def render(message: Outbound, media_dir: str | None = None) -> str:
    lines = [message.text]
    if message.document:
        where = str(Path(media_dir) / message.document) if media_dir else message.document
        lines.append(f"[{message.filename or 'file'}: {where}]")
    if message.options:
        lines.append("")
        lines += [f"{n}. {option.label}" for n, option in enumerate(message.options, 1)]
    return "\n".join(lines)
