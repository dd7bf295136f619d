"""The digest job: every recipient whose local send time has passed today gets its digest, once."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.db import read_scope, session_scope
from bot.core.scheduler import Job, JobContext
from bot.core.slack_identity import workspace_identity
from bot.digests.content import Links
from bot.digests.recipients import buyer_recipients, supplier_recipients
from bot.digests.service import already_sent, queue_digests

log = logging.getLogger(__name__)

CHUNK = 200  # recipients composed and claimed per transaction


def workspace(client: WebClient) -> tuple[str | None, str | None]:
    """The workspace URL (for links to messages) and team id, from auth.test as the process first got it;
    (None, None) while Slack cannot say (digests then go out without links)."""
    identity = workspace_identity(client)
    return (identity.get("url"), identity.get("team_id")) if identity else (None, None)


def buyer_group(ctx: JobContext) -> frozenset[str] | None:
    """The members of `buyers.usergroup` when set (asked with no transaction open); None: every member."""
    group = ctx.config.buyers.usergroup
    if not group:
        return None
    try:
        return frozenset(ctx.client.usergroups_users_list(usergroup=group).get("users") or [])
    except (SlackApiError, OSError) as exc:
        log.warning("usergroups.users.list failed (%s); buyers' digests wait for the next run", exc)
        return frozenset()


def run_digests(ctx: JobContext, now: datetime) -> str | None:
    """Queue every digest due at `now` that is not sent yet for the recipient's local day."""
    url, team = workspace(ctx.client)
    members = buyer_group(ctx)
    working_days_only = ctx.config.digests.working_days_only
    with read_scope(ctx.engine) as session:
        recipients = supplier_recipients(session, ctx.config) + buyer_recipients(
            session, ctx.config, home_team=team, members=members
        )
        due = [(r, day) for r in recipients if (day := r.due_day(now, working_days_only=working_days_only))]
        done = already_sent(session, due)
    due = [(r, day) for r, day in due if (r.key, day) not in done]
    queued = 0
    for start in range(0, len(due), CHUNK):
        chunk = due[start : start + CHUNK]
        with session_scope(ctx.engine) as session:
            queued += queue_digests(session=session, due=chunk, now=now, config=ctx.config, links=Links(url),
                                    worker=ctx.worker_id)  # fmt: skip
    return f"{queued} digest{'' if queued == 1 else 's'} queued" if queued else None


JOBS = [Job("digest", run_digests, "Send each recipient's daily digest at its local time, once a day")]
