"""The WSGI entry point gunicorn loads: the app settled and frozen before the first request."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_wsgi_module_loads_the_urls_and_freezes_what_it_loaded():
    code = (
        "import gc, sys\n"
        "import aftersales.wsgi\n"
        "assert 'aftersales.tickets.views' in sys.modules, 'URL patterns not loaded'\n"
        "print(gc.get_freeze_count())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip().splitlines()[-1]) > 10_000
