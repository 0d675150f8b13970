"""The message registry: keys with params, rendered in the reader's language; choice values
through their labels; nested messages; safe fallbacks; recognising old frozen text."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import (
    LEGACY_TEXT,
    Choice,
    Duration,
    LocalTime,
    Message,
    kind_get,
    kind_label,
    literal,
    message_parse,
    msg,
    register,
    render,
    render_subject,
    render_value,
)
from aftersales.tickets.choices import Priority

DUE = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def test_sla_warning_in_both_languages():
    message = msg("sla.warning", number="SR2603-000001", target="arrival", due=DUE, left=dt.timedelta(minutes=80))
    assert message.params == {
        "number": "SR2603-000001",
        "target": "arrival",
        "due": DUE.isoformat(),
        "left": 4800,
    }
    assert (
        render(message.key, message.params, "en")
        == "On-site arrival: warning, due at 2026-03-09 10:00 (1 h 20 min left)."
    )
    assert (
        render(message.key, message.params, "zh-hans") == "上门到达预警：截止 2026-03-09 10:00（剩余 1 小时 20 分）。"
    )
    with translation.override("zh-hans"):
        assert str(message) == message.render("zh-hans")
        assert kind_label("sla.warning") == "SLA 预警"
    assert render_subject(message.key, message.params, "en").startswith("[SR2603-000001] On-site arrival")


def test_nested_messages_and_choice_labels_follow_the_reader():
    actions = [msg("sla.action.notified_email", n=2), msg("sla.action.priority", old="normal", new="high")]
    message = msg(
        "sla.escalation",
        number="SR1",
        level=2,
        name="Level 2: supervisor",
        target="first_response",
        late=dt.timedelta(hours=2),
        due=DUE,
        actions=actions,
    )
    english = message.render("en")
    assert english == (
        "SLA escalation level 2 (Level 2: supervisor): First response overdue by 2 h since 2026-03-09 10:00; "
        "notified 2, also by e-mail; priority Normal → High."
    )
    chinese = message.render("zh-hans")
    assert "二级：主管" in chinese and "普通 → 高" in chinese and "Normal" not in chinese and "Level" not in chinese


def test_a_name_an_administrator_typed_is_shown_as_typed():
    message = msg("sla.reassign_reason", level="夜班组长")
    assert message.render("en") == "SLA escalation 夜班组长"


def test_unknown_keys_and_broken_params_never_crash():
    assert render("gone.away", {"text": "kept"}) == "kept"
    assert render("gone.away", {"a": 1}) == "gone.away a=1"
    assert render("gone.away", None) == "gone.away"
    # A missing param shows "…", a wrong type is shown as text.
    assert render("sla.action.notified", {}, "en") == "notified …"
    assert render("sla.action.notified", {"n": "many"}, "en") == "notified many"
    assert render("sla.warning", {LEGACY_TEXT: "冻结的旧文本"}, "en") == "冻结的旧文本"
    assert render("sla.warning", "not a dict", "en").startswith("…")
    assert literal("客户要求上午上门").render("en") == "客户要求上午上门"
    with pytest.raises(LookupError):
        msg("not.registered")


def test_registering_a_key_twice_with_another_text_is_refused():
    register("test.once", text=_("notified %(n)d"))
    register("test.once", text=_("notified %(n)d"))  # the same again: fine (re-import)
    with pytest.raises(ValueError):
        register("test.once", text=_("reassigned"))
    assert kind_get("test.once").text == _("notified %(n)d")


def test_formatters_accept_text_from_migrated_rows():
    assert Choice(Priority).format("high") == "High"
    assert Choice(Priority).format("not a priority") == "not a priority"
    assert Duration().format("25 分钟") == "25 分钟"
    assert LocalTime().format("2026-03-09 10:00") == "2026-03-09 10:00"
    with translation.override("zh-hans"):
        assert Choice(Priority).parse("高") == "high"
        assert Duration().format(90 * 60) == "1 小时 30 分"
    assert render_value([{"key": "sla.action.reassigned", "params": {}}, "plain"], "en") == "reassigned; plain"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_old_frozen_text_is_recognised_in_either_language(language):
    original = msg("field.checked_out", visit="SF2026-000001", outcome="completed")
    frozen = original.render(language)
    assert message_parse(frozen) == Message("field.checked_out", {"visit": "SF2026-000001", "outcome": "completed"})
    escalation = msg(
        "sla.escalation",
        number="SR1",
        level=3,
        name="Level 3: manager",
        target="arrival",
        late=dt.timedelta(minutes=25),
        due=DUE,
        actions=[msg("sla.action.notified", n=1)],
    ).render(language)
    parsed = message_parse(escalation, ["sla.escalation"])
    assert parsed.key == "sla.escalation"
    assert parsed.params["level"] == 3 and parsed.params["target"] == "arrival"
    assert parsed.params["name"] == "Level 3: manager"
    # Re-rendered in the other language, the recognised parts are translated.
    other = "zh-hans" if language == "en" else "en"
    assert render(parsed.key, parsed.params, other).startswith(
        "SLA escalation level 3" if other == "en" else "SLA 3 级升级"
    )
    assert message_parse("客户说明天上午在家") is None
