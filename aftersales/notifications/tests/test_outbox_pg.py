"""Nothing lost, nothing sent twice, for real on PostgreSQL: the outbox worker (``manage.py
outbox_deliver``) is killed with SIGKILL in the middle of an in-app delivery, then in the
middle of an e-mail, then run to the end; every message arrives exactly once.

The e-mails go to Django's file back-end (one Message-ID per outbox row, counted in the
files); the in-app rows are counted as Notifications. These tests commit (transactional_db).
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from aftersales.accounts.choices import Role
from aftersales.notifications import services
from aftersales.notifications.models import Notification, OutboxMessage, OutboxStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]
PEOPLE = 8


@pytest.fixture
def pending(transactional_db, make_user, monkeypatch):
    """One in-app and one e-mail message per person, all left for the worker (no in-line
    delivery, no enqueue: the killed worker is the only one that delivers)."""
    monkeypatch.setattr(services, "_deliver_inline", lambda rows, now: None)
    monkeypatch.setattr(services, "_enqueue", lambda ids: None)
    people = [make_user(Role.AGENT, email=f"p{i}@example.com") for i in range(PEOPLE)]
    rows = services.message_send(
        key="core.text", params={"text": "工单已更新"}, to=people, channels=("in_app", "email")
    )
    assert len(rows) == 2 * PEOPLE and all(r.status == OutboxStatus.PENDING for r in rows)
    return rows


def _worker(tmp_path, *args):
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HUEY_IMMEDIATE": "1",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),  # e-mails land in var/outbox
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OUTBOX_LEASE_SECONDS": "1",
    }
    command = [sys.executable, "manage.py", "outbox_deliver", "--batch", "1", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603


def _kill_while_sending(process, channel: str) -> OutboxMessage:
    """SIGKILL the worker while a row of ``channel`` is in flight (claimed, being delivered)."""
    deadline = time.monotonic() + 120
    seen = set(OutboxMessage.objects.filter(status=OutboxStatus.SENDING).values_list("pk", flat=True))
    try:
        # Wait for a delivery of that channel that has just started (claimed since the last
        # look, i.e. at most one poll into its 500 ms), after at least one was completed.
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no delivery in flight"
            sending = dict(OutboxMessage.objects.filter(status=OutboxStatus.SENDING).values_list("pk", "channel"))
            fresh = [pk for pk, ch in sending.items() if pk not in seen and ch == channel]
            seen |= set(sending)
            if fresh and OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists():
                flying = OutboxMessage.objects.get(pk=fresh[0])
                break
            time.sleep(0.02)
        time.sleep(0.1)  # well inside its 500 ms delivery
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    flying.refresh_from_db()
    return flying


def _mailed(tmp_path) -> Counter:
    ids = Counter()
    for path in (tmp_path / "var" / "outbox").glob("*.log"):
        ids.update(int(m) for m in re.findall(r"^Message-ID: <outbox-(\d+)\.", path.read_text(), re.MULTILINE))
    return ids


def test_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(pending, tmp_path):
    in_app = {r.pk for r in pending if r.channel == "in_app"}
    email = {r.pk for r in pending if r.channel == "email"}

    # 1. Killed inside an in-app delivery: its transaction rolls back, the claim stays.
    flying = _kill_while_sending(_worker(tmp_path, "--slow-ms", "500"), "in_app")
    assert flying.status == OutboxStatus.SENDING and flying.attempts == 1
    assert not Notification.objects.filter(outbox=flying).exists()

    # 2. Killed inside an e-mail delivery (before the server took it).
    time.sleep(1.1)  # the first claim's lease runs out: this worker takes it over
    flying = _kill_while_sending(_worker(tmp_path, "--slow-ms", "500"), "email")
    assert flying.status == OutboxStatus.SENDING and flying.pk not in _mailed(tmp_path)

    # 3. A worker run to the end delivers the rest, the abandoned rows included.
    time.sleep(1.1)
    finisher = _worker(tmp_path)
    out, err = finisher.communicate(timeout=120)
    assert finisher.returncode == 0, err

    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    notes = Counter(Notification.objects.values_list("outbox_id", flat=True))
    assert set(notes) == in_app and set(notes.values()) == {1}, notes
    mailed = _mailed(tmp_path)
    assert set(mailed) == email and set(mailed.values()) == {1}, mailed
    # The two abandoned rows took one more attempt each; the others one.
    attempts = Counter(OutboxMessage.objects.values_list("attempts", flat=True))
    assert attempts == {1: 2 * PEOPLE - 2, 2: 2}
