"""The database connection as settings.py configures it."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_prepares_a_query_run_again_and_again():
    """Server-side binding with psycopg's automatic prepared statements (``PG_PREPARE_THRESHOLD``,
    default 5): a query the connection has run more than five times is prepared, so PostgreSQL plans
    it once instead of on every request (bench/README.md, "Seventh pass")."""
    from aftersales.accounts.models import User

    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for pk in range(1, 8):  # the same statement, other parameters
        list(User.objects.filter(pk=pk).values_list("username"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%accounts_user%"])
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"accounts_user"."username"' in sql and "$1" in sql for sql in prepared), prepared
