"""The refusal every campaign service raises: a request the campaign cannot take, and why."""

from __future__ import annotations

from flask_babel import LazyString


class CampaignError(ValueError):
    """A request the campaign cannot take; ``messages`` say why, in the reader's language.

    The messages are lazy strings, which Jinja treats as safe markup: render them
    through ``str()`` (the views do) so nothing in them escapes HTML escaping.
    """

    def __init__(self, *messages: LazyString | str):
        super().__init__(*messages)
        self.messages = list(messages)
