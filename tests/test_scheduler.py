"""Scheduled work is claimed once across workers; `srm jobs run` runs a job as if at a given time."""

import threading
from datetime import UTC, datetime, timedelta

import time_machine
from click.testing import CliRunner
from sqlmodel import Session, select

from bot.app import make_client, scheduled_jobs
from bot.cli import main
from bot.core.db import session_scope
from bot.core.outbox import enqueue
from bot.core.scheduler import JobContext, claim_work, run_job, start_scheduler
from bot.core.worker import Worker
from models import JobClaim, ProcessedEvent


def test_concurrent_claims_of_the_same_work_have_one_winner(engine):
    results, barrier = [], threading.Barrier(6)

    def worker(n):
        with Session(engine) as session:
            barrier.wait()
            won = claim_work(session, job="digest", period="2026-11-22", recipient="U1", worker=f"w{n}")
            session.commit()
            results.append(won)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    with Session(engine) as session:
        assert len(session.exec(select(JobClaim)).all()) == 1


def _ctx(engine, config, settings, worker="w1"):
    return JobContext(engine=engine, config=config, client=make_client(settings), worker_id=worker)


def _old_and_new_events(engine, now):
    with session_scope(engine) as session:
        session.add(ProcessedEvent(event_id="EvOLD", received_at=now - timedelta(days=3)))
        session.add(ProcessedEvent(event_id="EvNEW", received_at=now - timedelta(minutes=5)))


def test_housekeeping_runs_once_per_hour_even_when_rerun(engine, config, settings):
    now = datetime(2026, 11, 22, 7, 15, tzinfo=UTC)
    _old_and_new_events(engine, now)
    ctx, jobs = _ctx(engine, config, settings), scheduled_jobs(config)
    assert run_job(ctx, jobs, "housekeeping", now) == "2026-11-22T07: forgot 1 event ids"
    assert run_job(ctx, jobs, "housekeeping", now + timedelta(minutes=30)) == "2026-11-22T07 already done"
    with Session(engine) as session:
        assert [e.event_id for e in session.exec(select(ProcessedEvent))] == ["EvNEW"]


def test_two_schedulers_claim_each_period_once(engine, config, settings):
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=True):
        schedulers = [
            start_scheduler(_ctx(engine, config, settings, worker=f"w{i}"), scheduled_jobs(config))
            for i in range(2)
        ]
        try:

            def claimed():
                with Session(engine) as session:
                    return session.exec(select(JobClaim).where(JobClaim.job == "housekeeping")).all()

            rows = _wait(claimed)
        finally:
            for scheduler in schedulers:
                scheduler.shutdown(wait=True)
    assert [(r.period, r.recipient) for r in claimed()] == [("2026-11-22T09", "*")]
    assert rows[0].worker in {"w0", "w1"}


def _wait(predicate, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_cli_runs_a_job_as_if_at_a_time(engine, db_url, settings, tmp_path, monkeypatch):
    _old_and_new_events(engine, datetime(2026, 11, 22, 7, 0, tzinfo=UTC))
    (tmp_path / "defaults.yaml").write_text("{}\n")
    env = {
        "DATABASE_URL": db_url,
        "SLACK_API_URL": settings.slack_api_url,
        "SRM_CONFIG": str(tmp_path / "defaults.yaml"),
    }
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["jobs", "run", "housekeeping", "--at", "2026-11-22T07:30:00Z"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-22T07: forgot 1 event ids" in result.output
    again = CliRunner().invoke(
        main, ["jobs", "run", "housekeeping", "--at", "2026-11-22T07:45:00+00:00"], env=env
    )
    assert "already done" in again.output


def test_cli_rejects_unknown_jobs_and_bad_times(db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": db_url}
    unknown = CliRunner().invoke(main, ["jobs", "run", "nope"], env=env)
    assert (
        unknown.exit_code != 0 and "unknown job 'nope'" in unknown.output and "housekeeping" in unknown.output
    )
    bad = CliRunner().invoke(main, ["jobs", "run", "housekeeping", "--at", "tomorrow"], env=env)
    assert bad.exit_code != 0 and "is not an ISO-8601 time" in bad.output


def test_srm_run_delivers_with_one_loop_and_no_deliver_job(engine, config, settings, slack):
    """`srm run` and `srm worker` start one delivery loop; the scheduler does not start a second."""
    channels = [f"C0LOOP{n:02}" for n in range(60)]
    with session_scope(engine) as session:
        for channel in channels:
            slack.add_channel(channel, name=channel.lower())
            enqueue(session=session, channel_id=channel, payload={"text": channel})
    slack.answer_slowly("chat.postMessage", seconds=0.02)
    config = config.model_copy(update={"delivery": config.delivery.model_copy(update={"senders": 1})})
    worker = Worker(_ctx(engine, config, settings), scheduled_jobs(config)).start()
    try:
        slack.wait_for(lambda: len(slack.messages) == 60, timeout=30, what="60 messages")
        scheduled = {job.id for job in worker.scheduler.get_jobs()}
    finally:
        worker.stop()
    assert "deliver" not in scheduled and "housekeeping" in scheduled
    assert slack.max_in_flight["chat.postMessage"] == 1  # one sender (delivery.senders: 1): one loop
    assert len(slack.posts()) == 60


def test_deliver_job_still_runs_by_hand(engine, db_url, settings, slack, tmp_path, monkeypatch):
    with session_scope(engine) as session:
        enqueue(session=session, channel_id="C0ACME", payload={"text": "by hand"})
    env = {"DATABASE_URL": db_url, "SLACK_API_URL": settings.slack_api_url}
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["jobs", "run", "deliver"], env=env)
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert [p["text"] for p in slack.posts()] == ["by hand"]
