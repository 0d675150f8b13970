"""Aftersales settings.

Everything that differs between machines comes from the environment:
- DATABASE_URL   PostgreSQL (postgres://...) ; default: SQLite file in var/ (WAL mode)
- PG_PARALLEL_WORKERS  PostgreSQL max_parallel_workers_per_gather for the app (default 0)
- REDIS_URL      Huey on Redis ; default: SQLite-backed Huey queue in var/
- SECRET_KEY     required when DEBUG is off; var/secret_key is generated on first run
- DEBUG          "1" to enable debug pages
- ALLOWED_HOSTS  comma separated
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AFTERSALES_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "ninja",  # serves the API docs' Swagger assets locally (no CDN)
    "axes",
    "huey.contrib.djhuey",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.customers",
    "aftersales.catalog",
    "aftersales.tickets",
    "aftersales.sla",
    "aftersales.dispatch",
    "aftersales.field",
    "aftersales.parts",
    "aftersales.notifications",
    "aftersales.complaints",
    "aftersales.returns",
    "aftersales.quality",
    "aftersales.feedback",
    "aftersales.training",
    "aftersales.kpis",
    "aftersales.management",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control and Content-Security-Policy on what the app answers (not on static files).
    "aftersales.core.middleware.SecurityHeadersMiddleware",
    # Under /api/ every error is {code, message, fields}, also Django's own 404/405/403/500.
    "aftersales.core.middleware.ApiErrorMiddleware",
    # An id in the URL beyond 64 bits: 404 (it would overflow the database's integer).
    "aftersales.core.middleware.UrlIdRangeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A NUL character in the path, query string or a form: 400 (PostgreSQL refuses it: a 500).
    "aftersales.core.middleware.NullCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # AxesMiddleware should be the last middleware in the list.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aftersales" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aftersales.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Short OLTP queries: a parallel plan's worker start-up costs more CPU than it
        # saves (measured on 2 cores: a 0.5 ms index walk took 13 ms as a Gather).
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c max_parallel_workers_per_gather={int(os.environ.get('PG_PARALLEL_WORKERS', '0'))}"
        )
        # Prepared statements: a query the connection has run PG_PREPARE_THRESHOLD times is parsed and
        # planned once for the connection's life (persistent connections above), not on every run;
        # needs the parameters bound by the server. PG_PREPARE_THRESHOLD=off: client-side binding and
        # no prepared statements (Django's default; e.g. behind a transaction-pooling PgBouncer).
        PG_PREPARE_THRESHOLD = os.environ.get("PG_PREPARE_THRESHOLD", "5")
        if PG_PREPARE_THRESHOLD != "off":
            DATABASES["default"]["OPTIONS"].update(
                server_side_binding=True, prepare_threshold=int(PG_PREPARE_THRESHOLD)
            )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "aftersales.sqlite3")),
            "OPTIONS": {
                # WAL + a busy timeout: readers never block the writer; IMMEDIATE
                # transactions avoid "database is locked" upgrades under concurrency.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA cache_size=-64000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- auth -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, its user read with a lookup compiled once (accounts/sessions.py).
    "aftersales.accounts.sessions.UserBackend",
]
SESSION_ENGINE = "aftersales.accounts.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tickets:queue"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes: lock a username+IP pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The Content-Security-Policy of HTML pages; empty: the built-in one (core.middleware), which
# allows this site only (plus the map tile server of DISPATCH_MAP_TILES).
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY", "")

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = "CNY"
# The default country for phone numbers typed without a +country prefix.
PHONE_DEFAULT_REGION = "CN"

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/signature_pad", BASE_DIR / "node_modules" / "signature_pad" / "dist"),
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in STATICFILES_DIRS if path.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "aftersales.core.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through a checked view
# Upload limits (bytes) per attachment kind; see core/uploads.py.
UPLOAD_MAX_IMAGE_BYTES = 10 * 1024 * 1024
UPLOAD_MAX_VIDEO_BYTES = 100 * 1024 * 1024
UPLOAD_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- background work (Huey) -----------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Immediate mode runs tasks inline: always under pytest, on request otherwise.
HUEY_IMMEDIATE = os.environ.get("HUEY_IMMEDIATE", "") == "1" or "pytest" in sys.modules
# The worker's (``run_huey``) workers: threads by default (a create's SLA and KPI drains cost
# the worker ~0.7 ms less CPU than with processes, bench/README.md); processes
# (HUEY_WORKER_TYPE=process) let an SLA backlog's sweeps run without sharing one interpreter
# lock (15,000 due: 3.9 s against 5.05 s with threads).
HUEY_WORKERS = int(os.environ.get("HUEY_WORKERS", "2"))
HUEY_WORKER_TYPE = os.environ.get("HUEY_WORKER_TYPE", "thread")
HUEY_CONSUMER = {"workers": HUEY_WORKERS, "worker_type": HUEY_WORKER_TYPE}
# Sweepers an SLA backlog is shared among (the periodic sweep queues the others: sla.tasks;
# PostgreSQL only, SQLite takes one writer at a time).
SLA_SWEEPERS = HUEY_WORKERS
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "aftersales",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": HUEY_CONSUMER,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "aftersales",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": HUEY_CONSUMER,
    }

# --- e-mail ---------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "outbox")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aftersales@localhost")
# The outbox (aftersales.notifications): channels ({channel: Channel class path, or None
# for "no provider configured"; sms and wechat have none yet), retries and the lease
# after which a row left "sending" by a killed worker is sent again.
OUTBOX_CHANNELS: dict[str, str | None] = {}
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS", "30"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
# The address customers reach the site at (links in e-mails: service forms, consent).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Default quote lines offered on site (CNY); the technician can change them per job.
FIELD_CALL_OUT_FEE = os.environ.get("FIELD_CALL_OUT_FEE", "50.00")
FIELD_LABOUR_FEE = os.environ.get("FIELD_LABOUR_FEE", "80.00")

# --- dispatch board map --------------------------------------------------
# Empty (the default): the board plots jobs and technicians offline, nothing is fetched from outside.
# A tile URL template such as https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png: the board shows them on a
# Leaflet tile map instead; the browser fetches the tiles from that server. Give the attribution its terms ask for.
DISPATCH_MAP_TILES = os.environ.get("DISPATCH_MAP_TILES", "")
DISPATCH_MAP_ATTRIBUTION = os.environ.get("DISPATCH_MAP_ATTRIBUTION", "")

# --- API --------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 25
# How long an Idempotency-Key is remembered (hours).
IDEMPOTENCY_KEY_TTL_HOURS = 24

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

APP_NAME = _("Aftersales")
