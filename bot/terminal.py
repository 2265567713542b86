"""The terminal channel: messages as plain lines, options as numbered lines."""

from __future__ import annotations

from conversations.messages import Outbound


def render(message: Outbound) -> str:
    lines = [message.text]
    if message.options:
        lines.append("")
        lines += [f"{n}. {option.label}" for n, option in enumerate(message.options, 1)]
    return "\n".join(lines)
