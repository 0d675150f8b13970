"""The admin carries the product's name and speaks Chinese, third-party apps included
(django-axes: 登录保护, not "AXES Access attempts")."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def admin_page(admin_user, language, path="/admin/"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_index_branded_and_translated(admin_user):
    html = admin_page(admin_user, "zh-hans")
    assert "售后服务管理系统 · 系统管理" in html  # site header and title
    assert "主数据与设置" in html  # index title
    assert "登录保护" in html and "登录尝试" in html and "登录失败" in html
    for english in ("Axes", "AXES", "Access attempts", "Access failures", "Access logs", "Django administration"):
        assert english not in html
    html = admin_page(admin_user, "en")
    assert "Aftersales · Administration" in html and "Sign-in protection" in html and "Access attempts" in html


def test_axes_change_list_in_chinese(admin_user):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        user_agent="curl",
        ip_address="10.0.0.1",
        username="x",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    html = admin_page(admin_user, "zh-hans", "/admin/axes/accessattempt/")
    assert "登录尝试" in html and "尝试时间" in html and "IP 地址" in html
    assert "Attempt Time" not in html and "IP Address" not in html
