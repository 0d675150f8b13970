"""The sweep's queries per batch are pinned: they must not grow with the number of due rows
(no query, enqueue or signal per row). A 1.5 % backlog over a million requests is 15,000
warnings and levels; see bench/README.md "SLA sweep" for the timings."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aftersales.accounts.choices import Role
from aftersales.notifications.models import Notification, OutboxMessage
from aftersales.sla.escalation import Matrix, sla_sweep
from aftersales.sla.models import SlaEscalation
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

from .test_escalation import FILED, MIN, H, file_request

pytestmark = pytest.mark.django_db

# Statements of one sweep (savepoints included; a COPY on PostgreSQL or an executemany on
# SQLite counts once), the matrix loaded and the per-process caches warm, whatever the
# number of due clocks up to a batch (500). The same on SQLite and PostgreSQL.
WARN_QUERIES = 22  # three phases' probes + a warning batch: clocks, requests, people, claim, ids, rows
BREACH_QUERIES = 25  # + the flip batch (clocks, requests, the flip that claims level 1), the note (timeline,
# audit: the system's note leaves the requests' updated_at), the notifications, the log rows
IDLE_QUERIES = 10  # nothing due: the calendars, the three index probes (and their savepoints)


def counted(now, matrix):
    with CaptureQueriesContext(connection) as ctx:
        result = sla_sweep(now=now, matrix=matrix)
    return result, ctx.captured_queries


@pytest.mark.parametrize("n", [2, 7])
def test_a_batch_costs_the_same_queries_for_2_or_7_due_clocks(n, make_user):
    dispatcher = make_user(Role.DISPATCHER)
    agents = [make_user(Role.AGENT) for _ in range(3)]  # requests filed by several people
    with translation.override("en"):
        requests = [file_request(agents[i % 3], priority="urgent") for i in range(n)]
        matrix = Matrix.load()
        # Cached per process (calendars by revision, content types): not the batch's.
        ContentType.objects.get_for_model(ServiceRequest)
        sla_sweep(now=FILED, matrix=matrix)
        # 48 min: every first-response clock's warning (level 0: its creator).
        result, queries = counted(FILED + 48 * MIN, matrix)
        assert (result.warned, result.flipped, result.escalated) == (n, 0, 0)
        assert len(queries) == WARN_QUERIES, "\n".join(q["sql"][:150] for q in queries)
        # 1 h 25 min: each breach flipped and level 1 acting (creator + dispatcher, a
        # timeline note, a log row).
        result, queries = counted(FILED + H + 25 * MIN, matrix)
        assert (result.flipped, result.escalated, result.notifications) == (n, n, 2 * n)
        assert len(queries) == BREACH_QUERIES, "\n".join(q["sql"][:150] for q in queries)
    # Everything was written, once per clock and level.
    assert SlaEscalation.objects.count() == 2 * n
    assert OutboxMessage.objects.filter(status="sent").count() == Notification.objects.count() == 3 * n
    assert set(Notification.objects.filter(key="sla.escalation").values_list("recipient", flat=True)) == {
        dispatcher.pk,
        *(a.pk for a in agents[:n]),
    }
    assert ServiceRequestEvent.objects.filter(kind="note", request__in=requests).count() == n
    assert all(note.url == r.get_absolute_url() for r in requests for note in Notification.objects.linked_to(r))


def test_nothing_due_is_a_few_index_probes(make_user):
    """Nothing due: a handful of index probes, whatever the number of open clocks."""
    agent = make_user(Role.AGENT)
    with translation.override("en"):
        for _ in range(3):
            file_request(agent, priority="urgent")
        matrix = Matrix.load()
        sla_sweep(now=FILED, matrix=matrix)
        result, queries = counted(FILED + 10 * MIN, matrix)
    assert result.warned == result.flipped == result.escalated == 0
    assert len(queries) == IDLE_QUERIES, "\n".join(q["sql"][:150] for q in queries)
