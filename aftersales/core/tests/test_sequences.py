import pytest

from aftersales.core.sequences import sequence_next


@pytest.mark.django_db
def test_sequences_count_one_two_three_per_name():
    assert [sequence_next("a") for _ in range(3)] == [1, 2, 3]
    assert [sequence_next("b") for _ in range(2)] == [1, 2]
    assert sequence_next("a") == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sequence_values_are_distinct():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, transaction

    def take(_):
        try:
            with transaction.atomic():
                return sequence_next("race")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        values = list(pool.map(take, range(20)))
    assert sorted(values) == list(range(1, 21))


@pytest.mark.django_db
def test_a_counter_continues_after_the_table_value():
    """A database that counted in core.Sequence before keeps its numbers unique."""
    from aftersales.core.models import Sequence

    Sequence.objects.create(name="legacy", value=41)
    assert sequence_next("legacy") == 42
