"""Settings shared by every environment, read from environment variables.

The defaults make a local demo work with no configuration at all (SQLite in
``var/``, mail printed on the console). Production uses
``config.settings.production``, which refuses to start without its secrets.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("EUSP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# A fixed key is acceptable only for the local demo: production.py requires one.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-demo-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "eusp.core.admin_site.EuspAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "template_partials",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "eusp.core",
    "eusp.accounts",
    "eusp.directory",
    "eusp.casework",
    "eusp.notifications",
    "eusp.administration",
    "eusp.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "eusp.core.middleware.FrenchByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "eusp.core.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.is_verified(): whether this session passed the TOTP step.
    "django_otp.middleware.OTPMiddleware",
    # A session that has not passed its TOTP step (or must enrol) reaches only those pages.
    "eusp.accounts.two_factor_middleware.TwoFactorMiddleware",
    # Deny by default: every page needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused by the lockout into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "eusp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "eusp.core.context_processors.site",
            ],
        },
    }
]

# SQLite by default (WAL, immediate transactions so concurrent writers queue
# instead of failing); PostgreSQL in production through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    work_mem := os.environ.get("EUSP_PG_WORK_MEM", "16MB")
):
    # PostgreSQL's default 4 MB turns the word index's bitmap of a common word (100,000
    # requests) lossy: every row of a page is then re-read and re-checked, twice the reads.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c work_mem={work_mem}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins (django-axes): after EUSP_LOGIN_FAILURE_LIMIT failures in a row, a
# (username, client IP) pair is refused for EUSP_LOGIN_COOLOFF_MINUTES, even with the right
# password. Per pair, so that nobody can lock a colleague out from elsewhere. The central
# service sees and lifts lockouts in /django-admin/ (« Tentatives de connexion »).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
EUSP_LOGIN_FAILURE_LIMIT = int(os.environ.get("EUSP_LOGIN_FAILURE_LIMIT", "5"))
# At least a minute: axes reads a zero cool-off as "locked until an administrator unlocks".
EUSP_LOGIN_COOLOFF_MINUTES = max(1, int(os.environ.get("EUSP_LOGIN_COOLOFF_MINUTES", "15")))
AXES_FAILURE_LIMIT = EUSP_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=EUSP_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "eusp.accounts.views.login_locked_out"
# The client's address, not the reverse proxy's (see eusp/accounts/network.py).
AXES_CLIENT_IP_CALLABLE = "eusp.accounts.network.client_ip_address"
AXES_VERBOSE = False  # no banner on every manage.py command (make run prints the demo logins)
# No log of every successful login (username, address, browser: personal data kept forever);
# Django keeps each user's last login; failed attempts are what the lockout counts.
AXES_DISABLE_ACCESS_LOG = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last activity
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): every script, style, font and image comes from
# this origin, never inline: no 'unsafe-inline' even for styles (the state colours are a
# stylesheet, directory:state-colours), no eval (htmx's allowEval is off in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],  # htmx requests
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "eusp" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files live outside the web root and are served by a view that checks access.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Mail: Django's own setting names. Without EMAIL_HOST the local demo writes
# mail to files in var/mail, where a developer can read them.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "e-USP <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Outbox delivery: a failed attempt is retried after the next delay of this list (the
# last one repeats), and the mail is marked failed after EUSP_MAIL_MAX_ATTEMPTS. A row
# left "sending" longer than the claim timeout belongs to a crashed worker and is due again.
EUSP_MAIL_BACKOFF_SECONDS = [int(delay) for delay in env_list("EUSP_MAIL_BACKOFF_SECONDS", "60,300,1800,7200,21600")]
EUSP_MAIL_MAX_ATTEMPTS = int(os.environ.get("EUSP_MAIL_MAX_ATTEMPTS", "8"))
EUSP_MAIL_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("EUSP_MAIL_CLAIM_TIMEOUT_SECONDS", "600"))

# Daily jobs of the worker (manage.py scheduler --loop): name → (function, local hour
# after which it runs). Each runs once a day, on one machine; a late worker catches up.
EUSP_DAILY_JOBS = {
    "reminders": (
        "eusp.casework.services.reminder_schedule.reminders_run",
        int(os.environ.get("EUSP_REMINDERS_HOUR", "6")),
    ),
    "digests": ("eusp.notifications.digest.digests_send", int(os.environ.get("EUSP_DIGEST_HOUR", "7"))),
    "exports_purge": (
        "eusp.reporting.exports.jobs.export_jobs_purge",
        int(os.environ.get("EUSP_EXPORT_PURGE_HOUR", "3")),
    ),
    # RGPD: requesters of requests archived longer than the city's retention period are
    # anonymised; old failed-login records and mail bodies are purged.
    "retention": (
        "eusp.casework.services.anonymisation.retention_apply",
        int(os.environ.get("EUSP_RETENTION_HOUR", "2")),
    ),
}
EUSP_JOB_TAKEOVER_SECONDS = int(os.environ.get("EUSP_JOB_TAKEOVER_SECONDS", "3600"))

# Initial values of the settings the central service edits in /administration/parametres/
# (city name, reminder delays, upload limit): read from the environment when the settings
# row is first created, then kept in the database.
EUSP_CITY_NAME = os.environ.get("EUSP_CITY_NAME", "Ville de Valmont-sur-Loire")
EUSP_SITE_URL = os.environ.get("EUSP_SITE_URL", "http://127.0.0.1:8000")
EUSP_PAGE_SIZE = 50
# Exports: an XLSX or ODS file of more rows than this is built by the worker and offered
# when ready (50,000 rows take about 3 s to build, bench/README.md); CSV always streams.
EUSP_EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EUSP_EXPORT_SYNC_MAX_ROWS", "50000"))
# How long a file built by the worker is offered; the daily purge then deletes it.
EUSP_EXPORT_KEEP_HOURS = int(os.environ.get("EUSP_EXPORT_KEEP_HOURS", "24"))
# A large export still unfinished after this long is shown as failed (its worker died).
EUSP_EXPORT_ABANDONED_MINUTES = int(os.environ.get("EUSP_EXPORT_ABANDONED_MINUTES", "60"))
# Automatic reminders (working days): first when not instructed after N days, then every
# N days, at most N times per service; then the central service is alerted.
EUSP_REMINDER_FIRST_AFTER_DAYS = int(os.environ.get("EUSP_REMINDER_FIRST_AFTER_DAYS", "5"))
EUSP_REMINDER_EVERY_DAYS = int(os.environ.get("EUSP_REMINDER_EVERY_DAYS", "5"))
EUSP_REMINDER_MAX = int(os.environ.get("EUSP_REMINDER_MAX", "3"))
# Attachments: checked by content; larger files are refused with a message. The initial
# limit: the central service then sets it in /administration/parametres/.
EUSP_UPLOAD_MAX_BYTES = int(os.environ.get("EUSP_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# The most the central service may set on the settings page: the proxy in front must accept
# request bodies this large (README, deployment).
EUSP_UPLOAD_CEILING_MB = int(os.environ.get("EUSP_UPLOAD_CEILING_MB", "50"))
# Counts the form's other fields only, never uploaded files (past it Django answers 400).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files above this are streamed to a temporary file, not held in memory; the upload
# view drops a file as soon as it passes EUSP_UPLOAD_MAX_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
