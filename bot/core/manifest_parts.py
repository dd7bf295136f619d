"""What each feature needs from Slack; `srm manifest` is built from these declarations."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SlashCommand:
    command: str
    description: str
    usage_hint: str = ""


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    description: str
    type: str = "message"


@dataclass(frozen=True)
class SlackNeeds:
    scopes: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    commands: tuple[SlashCommand, ...] = ()
    shortcuts: tuple[Shortcut, ...] = field(default_factory=tuple)
    interactivity: bool = False
    home_tab: bool = False
    # What the app store listing says, only about installed features: nouns for the short description
    # ("problem tickets") and one sentence for the long one.
    offers: tuple[str, ...] = ()
    story: str = ""
