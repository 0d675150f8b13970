"""Human-friendly numbers from named counters, safe under concurrency."""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Sequence


def sequence_next(name: str) -> int:
    """Return the next value of counter ``name`` (1, 2, ...). Must run in a transaction."""
    updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Sequence.objects.create(name=name, value=1)
                return 1
        except IntegrityError:
            Sequence.objects.filter(name=name).update(value=F("value") + 1)
    return Sequence.objects.get(name=name).value
