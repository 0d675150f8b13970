"""Words of the problem description are searchable (tickets.search): Chinese by
character bigrams, Latin letters and digits as tokens, both from an index; runs on
SQLite and PostgreSQL alike (``DATABASE_URL`` selects)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from aftersales.customers.tests.factories import CustomerFactory
from aftersales.tickets.models import RequestSearchTerm
from aftersales.tickets.search import search_terms, search_terms_backfill
from aftersales.tickets.selectors import request_page_for
from aftersales.tickets.services import request_create, request_update

pytestmark = pytest.mark.django_db


def _file(agent, description, **kwargs):
    return request_create(
        actor=agent,
        customer=CustomerFactory(name="陈静"),
        channel="phone",
        service_type="repair",
        description=description,
        **kwargs,
    )


def _found(user, q) -> set[str]:
    page = request_page_for(user, QueryDict(urlencode({"q": q})), size=100)
    return {r.number for r in page.page.items}


def test_terms_are_bigrams_and_lower_cased_tokens():
    assert search_terms("热水器底部漏水") == ["热水", "水器", "器底", "底部", "部漏", "漏水"]
    assert search_terms("显示E4故障") == ["显示", "e4", "故障"]
    # Full-width letters and digits read as their ASCII forms; single characters carry no term.
    assert search_terms("Ｅ４ 漏 a") == ["e4"]
    assert search_terms("") == []


def test_chinese_words_and_error_codes_are_found(agent):
    leak = _file(agent, "热水器底部漏水")
    code = _file(agent, "显示E4故障，无法启动")
    other = _file(agent, "空调不制冷")
    assert _found(agent, "漏水") == {leak.number}
    assert _found(agent, "底部漏水") == {leak.number}
    assert _found(agent, "E4") == {code.number}
    assert _found(agent, "e4") == {code.number}
    assert _found(agent, "E4故障") == {code.number}
    assert _found(agent, "不制冷") == {other.number}
    # Every word must be there.
    assert _found(agent, "漏水 故障") == set()


def test_bigrams_apart_are_not_a_match(agent):
    """热水 and 水器 both occur, but never 热水器: the final check on the text removes it."""
    _file(agent, "热水管和净水器都坏了")
    near = _file(agent, "热水器坏了")
    assert _found(agent, "热水器") == {near.number}


def test_a_description_edit_moves_its_terms(agent):
    req = _file(agent, "洗衣机漏水")
    request_update(actor=agent, request=req, description="洗衣机不脱水")
    assert _found(agent, "漏水") == set()
    assert _found(agent, "脱水") == {req.number}
    assert not RequestSearchTerm.objects.filter(request=req, term="漏水").exists()


def test_names_are_still_found_beside_descriptions(agent):
    req = _file(agent, "冰箱不制冷")
    assert req.number in _found(agent, "陈静")


def test_backfill_indexes_rows_without_terms_and_can_run_twice(agent):
    req = _file(agent, "热水器底部漏水")
    RequestSearchTerm.objects.all().delete()
    assert _found(agent, "漏水") == set()
    assert search_terms_backfill() >= 1
    assert search_terms_backfill() >= 1  # again: nothing duplicated, nothing fails
    assert _found(agent, "漏水") == {req.number}
    assert RequestSearchTerm.objects.filter(request=req).count() == 6


def test_scoping_still_applies_to_description_search(make_user, agent):
    from aftersales.accounts.choices import Role

    _file(agent, "热水器底部漏水")
    technician = make_user(Role.TECHNICIAN)
    assert _found(technician, "漏水") == set()


def test_terms_follow_the_status_and_the_status_filter_narrows_them(agent):
    from aftersales.tickets.choices import Action, Status
    from aftersales.tickets.services import request_transition

    req = _file(agent, "热水器底部漏水")
    assert set(RequestSearchTerm.objects.filter(request=req).values_list("status", flat=True)) == {Status.NEW}
    request_transition(actor=agent, request=req, action=Action.ACKNOWLEDGE)
    assert set(RequestSearchTerm.objects.filter(request=req).values_list("status", flat=True)) == {Status.ACKNOWLEDGED}
    assert _found_with(agent, q="漏水", status=["acknowledged"]) == {req.number}
    assert _found_with(agent, q="漏水", status=["new"]) == set()


def test_a_request_acknowledged_at_intake_is_indexed_with_its_final_status(agent):
    from aftersales.tickets.choices import Status

    req = _file(agent, "洗碗机不出水", acknowledge=True)
    assert set(RequestSearchTerm.objects.filter(request=req).values_list("status", flat=True)) == {Status.ACKNOWLEDGED}


def _found_with(user, **params) -> set[str]:
    page = request_page_for(user, QueryDict(urlencode(params, doseq=True)), size=100)
    return {r.number for r in page.page.items}
