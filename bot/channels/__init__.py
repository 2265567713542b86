"""The channels Kriya serves. A new channel is one module under bot/channels/ and one line
in CHANNELS."""

from __future__ import annotations

from bot.channels.base import AddressOption, Channel, Due, Limits
from bot.channels.telegram import TelegramChannel
from bot.channels.terminal import TerminalChannel
from bot.channels.whatsapp import WhatsAppChannel

CHANNELS: list[type[Channel]] = [
    TelegramChannel,
    WhatsAppChannel,
    TerminalChannel,
]

__all__ = ["CHANNELS", "AddressOption", "Channel", "Due", "Limits", "by_name",
           "phone_channel", "titles"]


def by_name(name: str) -> type[Channel] | None:
    return next((channel for channel in CHANNELS if channel.name == name), None)


def titles() -> dict[str, str]:
    """Each channel's name as people know it, by its stored name."""
    return {channel.name: channel.title for channel in CHANNELS}


def phone_channel() -> type[Channel] | None:
    """The channel whose addresses are phone numbers, where people on an office's list are
    reached."""
    return next((channel for channel in CHANNELS if channel.phone_addresses), None)
