"""Exactly one holder per job, whatever concurrent dispatchers and claimers do (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from aftersales.accounts.choices import Role
from aftersales.core.errors import DomainError
from aftersales.dispatch.choices import DispatchMode, OfferStatus
from aftersales.dispatch.models import DispatchOffer, DispatchPolicy
from aftersales.dispatch.services import AlreadyAssigned, dispatch_assign, pool_claim
from aftersales.tickets.choices import Status
from aftersales.tickets.models import ServiceRequest

from .factories import job, region, tech_profile


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_dispatchers_and_claimers_one_winner(make_user):
    reg = region()
    DispatchPolicy.objects.create(region=reg, mode=DispatchMode.POOL)
    dispatchers = [make_user(Role.DISPATCHER) for _ in range(25)]
    techs = [make_user(Role.TECHNICIAN) for _ in range(26)]
    for t in techs:
        tech_profile(dispatchers[0], t, region=reg)
    sr = job(dispatchers[0], region=reg)
    barrier = threading.Barrier(50)
    wins, conflicts, other = [], [], []

    def run(i):
        try:
            barrier.wait()
            if i % 2 == 0:
                # Reasons given so an override of the top suggestion is allowed: only the race decides.
                dispatch_assign(actor=dispatchers[i // 2], request=sr, technician=techs[i // 2], reason="race")
            else:
                pool_claim(actor=techs[i // 2 + 1], request=sr)
            wins.append(i)
        except AlreadyAssigned as exc:
            conflicts.append(exc.as_dict())
        except DomainError as exc:  # pragma: no cover - reported below
            other.append(exc.as_dict())
        except Exception as exc:  # pragma: no cover
            other.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other == []
    assert len(wins) == 1 and len(conflicts) == 49
    assert all(c["code"] == "already_assigned" and c["message"] for c in conflicts)
    sr.refresh_from_db()
    assert sr.status in (Status.ASSIGNED, Status.ACCEPTED) and sr.assigned_technician_id is not None
    active = DispatchOffer.objects.filter(request=sr, status__in=[OfferStatus.PENDING, OfferStatus.ACCEPTED])
    assert active.count() == 1 and active.get().technician_id == sr.assigned_technician_id
    assert ServiceRequest.objects.get(pk=sr.pk).events.filter(action="assign").count() == 1
