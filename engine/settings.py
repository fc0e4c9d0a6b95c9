"""Settings come from the environment; every variable is optional (see docs/operations.md)."""

import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY, or one generated once and kept in DATA_DIR so restarts keep sessions."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
PORT = int(os.environ.get("PORT", "8000"))

# Unset REDIS_URL means: the project's own redis-server on a unix socket in DATA_DIR.
REDIS_URL = os.environ.get("REDIS_URL") or ""
EMBEDDED_REDIS_SOCKET = DATA_DIR / "redis.sock"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "base",
    "engine",
    "rulesets",
    "badges",
    "leaderboards",
    "notifications",
    "insights",
    "kudos",
    "challenges",
    "web",
]

MIDDLEWARE = [
    # First: it times and counts every request, answers from the middlewares below included.
    "engine.request_metrics.RequestMetricsMiddleware",
    # Then: a database or Redis outage met anywhere below answers 503 with Retry-After (engine/outages.py).
    "engine.outages.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After sign-in is known: the person's language and timezone, else the browser's language.
    "engine.locale.LocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "engine.middleware.ApiErrorEnvelopeMiddleware",
    # Before idempotency: a 429 is not an answer to remember for the key's day.
    "engine.ratelimit.RateLimitMiddleware",
    "engine.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "web.root_urls"
WSGI_APPLICATION = "engine.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
# The pages employees and admins use (web/): Jinja2 templates from each app's jinja2/ folder.
TEMPLATES += [{"BACKEND": "django.template.backends.jinja2.Jinja2", "DIRS": [], "APP_DIRS": True,
               "OPTIONS": {"environment": "web.jinja.environment", "autoescape": True}}]
LOGIN_URL = "/login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'plaudit.sqlite3'}",
        conn_max_age=60,
        # A kept connection is pinged before a request's first query, so one broken by a database
        # restart is replaced instead of failing the request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and tests share one SQLite file: wait for the writer instead of failing, in
    # short steps (engine/sqlite_backend/base.py), and take the write lock when a transaction
    # starts so the scorer never deadlocks.
    DATABASES["default"]["ENGINE"] = "engine.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so worker processes started by tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Pages, notifications and badge texts come in these languages (docs/operations.md#languages). A person's
# `locale` picks one, else the browser's Accept-Language, else LANGUAGE_CODE: PLAUDIT_LANGUAGE (en by default).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LANGUAGE_CODE = (os.environ.get("PLAUDIT_LANGUAGE") or "en").strip().lower()
if LANGUAGE_CODE not in {code for code, _ in LANGUAGES}:
    raise ValueError(f"PLAUDIT_LANGUAGE={LANGUAGE_CODE!r} is not one of the languages: "
                     + ", ".join(code for code, _ in LANGUAGES))
# The gettext catalogs: locale/<language>/LC_MESSAGES/django.po, compiled to django.mo (make messages).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on a missing root although it serves from the apps
# The API docs' own scripts and styles, served by the app itself: no CDN, no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Ingest takes at most 1 MB per request; the API answers 413 past it.
MAX_EVENTS_BODY_BYTES = 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000_000

# Scorer: how many events one transaction scores while senders are active. Larger batches score a
# backlog faster (fewer commits and per-batch reads), but on SQLite an ingest request waits for the
# write lock between two batches, and larger batches let fewer such requests through; 1,000 keeps
# their wait at what 500 gives (figures in docs/benchmarks.md).
SCORER_BATCH_SIZE = int(os.environ.get("SCORER_BATCH_SIZE", "1000"))
# A backlog that no sender adds to (no event accepted for SCORER_QUIET_SECONDS: after downtime, an
# import) is scored in batches of this size instead: nobody waits for the write lock then, and the
# larger batch scores the backlog faster (docs/benchmarks.md).
SCORER_BACKLOG_BATCH_SIZE = int(os.environ.get("SCORER_BACKLOG_BATCH_SIZE", "2000"))
SCORER_QUIET_SECONDS = float(os.environ.get("SCORER_QUIET_SECONDS", "5"))
# On SQLite, while senders are active, the scorer leaves the write lock free this long between
# batches, so a waiting ingest request (which looks every millisecond) gets in between two batches.
SCORER_PAUSE_SECONDS = float(os.environ.get("SCORER_PAUSE_SECONDS", "0.005"))
# Boards of a day, week or month stay live in Redis this long after the period ends; older
# periods are rebuilt from the ledger when someone reads them.
LEADERBOARD_GRACE_DAYS = int(os.environ.get("LEADERBOARD_GRACE_DAYS", "62"))
# Boards on a Redis Cluster of their own: "host:port,host:port" (see leaderboards/connection.py).
LEADERBOARD_REDIS_CLUSTER = os.environ.get("LEADERBOARD_REDIS_CLUSTER", "")
# Requests a minute for each caller (API key, signed-in person or address); 0 switches a limit off.
RATE_LIMIT_INGEST_PER_MINUTE = int(os.environ.get("RATE_LIMIT_INGEST_PER_MINUTE", "1200"))
RATE_LIMIT_READS_PER_MINUTE = int(os.environ.get("RATE_LIMIT_READS_PER_MINUTE", "6000"))
# `POST /events?wait=true` waits this long for scoring before answering 202 with events still pending.
INGEST_WAIT_SECONDS = float(os.environ.get("INGEST_WAIT_SECONDS", "30"))

# Open Badges 2.0 (docs/badges.md#open-badges): the issuer named in every BadgeClass, and the public
# address hosted assertions are built on. The URLs end up inside baked images people keep, so set
# PUBLIC_BASE_URL to the address that will stay reachable, not whatever host a request came in on.
BADGE_ISSUER_NAME = os.environ.get("BADGE_ISSUER_NAME") or "Plaudit"
BADGE_ISSUER_URL = os.environ.get("BADGE_ISSUER_URL") or "http://127.0.0.1:8000"
BADGE_ISSUER_EMAIL = os.environ.get("BADGE_ISSUER_EMAIL") or "badges@example.com"
PUBLIC_BASE_URL = (os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
# Salts recipient hashes. Derived from SECRET_KEY by default so it is stable across restarts; rotating
# either changes every published hash, so set it explicitly before issuing badges people keep.
BADGE_SALT = os.environ.get("BADGE_SALT") or hashlib.sha256(f"plaudit-badge-salt:{SECRET_KEY}".encode()).hexdigest()[:32]

# Inbound adapters (docs/integrations.md). Unset means the adapter refuses every request with 401:
# an unsigned endpoint would let anyone award points.
SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET") or ""
# The Slack app (docs/integrations.md#install-the-slack-app): OAuth client of the app made from
# `manage.py slack manifest`. SLACK_API_URL is trusted configuration, not an outbound webhook, so
# OUTBOUND_ALLOW does not apply to it; tests point it at a local stand-in for Slack.
SLACK_CLIENT_ID = os.environ.get("SLACK_CLIENT_ID") or ""
SLACK_CLIENT_SECRET = os.environ.get("SLACK_CLIENT_SECRET") or ""
SLACK_API_URL = (os.environ.get("SLACK_API_URL") or "https://slack.com/api").rstrip("/") + "/"
SLACK_AUTHORIZE_URL = os.environ.get("SLACK_AUTHORIZE_URL") or "https://slack.com/oauth/v2/authorize"
# Keys the workspaces' bot tokens are encrypted with (Fernet keys, comma-separated, the first encrypts,
# all decrypt: rotation). Unset: one key derived from SECRET_KEY, so rotating SECRET_KEY then needs a
# reinstall of the app.
SLACK_TOKEN_KEYS = [k.strip() for k in os.environ.get("SLACK_TOKEN_KEYS", "").split(",") if k.strip()]
TEAMS_HMAC_SECRET = os.environ.get("TEAMS_HMAC_SECRET") or ""  # base64, as Teams shows it when the webhook is created
# The Teams bot (Bot Framework): its Microsoft app id and client secret, where Microsoft publishes the keys
# that sign inbound tokens, and where the bot gets its own token for replies. Trusted configuration, as
# SLACK_API_URL is: tests point both URLs at local servers.
TEAMS_APP_ID = os.environ.get("TEAMS_APP_ID") or ""
TEAMS_APP_PASSWORD = os.environ.get("TEAMS_APP_PASSWORD") or ""
TEAMS_OPENID_METADATA_URL = (os.environ.get("TEAMS_OPENID_METADATA_URL")
                             or "https://login.botframework.com/v1/.well-known/openidconfiguration")
TEAMS_TOKEN_URL = (os.environ.get("TEAMS_TOKEN_URL")
                   or "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token")

# Outbound notifications (docs/notifications.md). Only public addresses are reachable unless
# OUTBOUND_ALLOW lists the host or a CIDR (comma-separated); plain http only reaches those.
OUTBOUND_ALLOW = [h.strip() for h in os.environ.get("OUTBOUND_ALLOW", "").split(",") if h.strip()]
OUTBOUND_HTTPS_ONLY = os.environ.get("OUTBOUND_HTTPS_ONLY", "1").lower() not in {"0", "false", "no"}
# A failed delivery waits about this long before its first retry, doubling after each; a claimed
# delivery whose worker vanished is taken back after the lease.
NOTIFICATION_BACKOFF_SECONDS = float(os.environ.get("NOTIFICATION_BACKOFF_SECONDS", "5"))
NOTIFICATION_LEASE_SECONDS = float(os.environ.get("NOTIFICATION_LEASE_SECONDS", "300"))
NOTIFICATION_REQUEUE_SECONDS = float(os.environ.get("NOTIFICATION_REQUEUE_SECONDS", "60"))
# The email channel uses Django's email backend: SMTP at EMAIL_HOST:EMAIL_PORT by default.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "").lower() in {"1", "true", "yes"}
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "plaudit@localhost"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# GET /readyz answers 503 once the oldest event waiting for scoring has waited this long (docs/operations.md).
READY_MAX_LAG_SECONDS = float(os.environ.get("READY_MAX_LAG_SECONDS", "60"))

# Sign-in with the company account over OpenID Connect (docs/operations.md#company-sign-in). Set all three
# of OIDC_ISSUER (its discovery document is {issuer}/.well-known/openid-configuration), OIDC_CLIENT_ID and
# OIDC_CLIENT_SECRET to offer it. The issuer is trusted configuration, not an outbound address, so
# OUTBOUND_ALLOW does not apply to it.
OIDC_ISSUER = (os.environ.get("OIDC_ISSUER") or "").strip().rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or ""
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or ""
OIDC_SCOPES = " ".join((os.environ.get("OIDC_SCOPES") or "openid email profile groups").split())
# Values of the `groups` claim (and SCIM groups) that make an admin, comma-separated.
OIDC_ADMIN_GROUPS = [g.strip() for g in os.environ.get("OIDC_ADMIN_GROUPS", "").split(",") if g.strip()]
# `off`: no password form on the sign-in page, and password sign-ins are refused.
PASSWORD_SIGNIN = os.environ.get("PASSWORD_SIGNIN", "on").strip().lower() not in {"off", "0", "false", "no"}
