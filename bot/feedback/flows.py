"""Feedback workflows: invitations posted through the outbox, in each supplier's language."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.config import AppConfig
from bot.core.i18n import use_locale
from bot.core.outbox import post_message
from bot.core.scheduler import claim_work
from bot.feedback import service as feedback
from bot.feedback.views import invitation_message
from models import Supplier


def invite_feedback(*, session: Session, config: AppConfig, period_start: date, period_end: date) -> int:
    """Invite each linked supplier channel, once, to rate the buyers for the period (after a scorecard
    evaluation of that period); returns how many channels were invited now."""
    invitations = feedback.create_invitations(
        session=session, period_start=period_start, period_end=period_end
    )
    for invitation in invitations:
        supplier = session.get(Supplier, invitation.supplier_id)
        with use_locale(supplier.locale or config.default_locale):
            payload = invitation_message(invitation.id, invitation.period_start, invitation.period_end)
        post_message(session=session, channel_id=invitation.channel_id, payload=payload)
    return len(invitations)


def invite_last_period(*, session: Session, config: AppConfig, now: datetime, worker: str) -> int:
    """Invite for the last complete scorecard period before `now` (claimed: one pass per period)."""
    period = feedback.last_complete_period(config, now)
    if not claim_work(session, job="feedback", period=period.start.isoformat(), worker=worker):
        return 0
    return invite_feedback(session=session, config=config, period_start=period.start, period_end=period.end)
