"""ALPR Portal settings, read from the environment (django-environ).

Every value a deployment may change is an environment variable with a default; README.md lists them.
The defaults are for a laptop: SQLite, Redis on localhost. Production sets DJANGO_DEBUG=false (the default),
DJANGO_SECRET_KEY, DATABASE_URL (PostgreSQL) and DJANGO_ALLOWED_HOSTS, and ``manage.py check --deploy`` is clean.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# A development key only when DEBUG: a production process without DJANGO_SECRET_KEY refuses to start.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = "dev-only-insecure-key-0123456789-abcdefghijklmnopqrstuvwxyz-ALPR"  # noqa: S105

# R-AUD-1b: the key that signs the access log's chain-head anchors (HMAC-SHA256). It must be a secret the database does
# not hold (never store it in a table): with it a database superuser cannot forge an anchor over a rewritten tail. Set
# it in production (e.g. `python -c "import secrets; print(secrets.token_hex(32))"`) and keep it as safe as
# DJANGO_SECRET_KEY. Empty: derived from DJANGO_SECRET_KEY (so rotating SECRET_KEY makes old anchors unverifiable).
ACCESS_LOG_ANCHOR_KEY = env.str("ACCESS_LOG_ANCHOR_KEY", default="")
# How often celery beat anchors the chain head; the verifier warns when unanchored rows are older than twice this.
ACCESS_LOG_ANCHOR_MINUTES = env.int("ACCESS_LOG_ANCHOR_MINUTES", default=15)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.audit.admin_config.PortalAdminConfig",  # django.contrib.admin with the plate-data choke point (R-AUD-1a)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "apps.common.third_party_apps.LoginThrottlingConfig",  # django-axes, headed "Login attempts and lockouts"
    # Second factors of local accounts (issue #22): TOTP devices and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "apps.common",
    "apps.accounts",
    "apps.agencies",
    "apps.training",
    "apps.audit",
    "apps.notifications",
    "apps.audits",
    "apps.reports",
    "apps.agreements",
    "apps.disclosures",
    "apps.reads",
    "apps.holds",
    "apps.retention",
    "apps.hotlists",
    "apps.justifications",
    "apps.shifts",
    "apps.misuse",
    "apps.ocr",
    "apps.backups",
    "apps.ops",  # seed_demo, loadtest, serve and the bench_* commands: on top, nothing imports it (issue #18)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Issue #22: nothing but the second step (or enrolment) until the session is MFA-satisfied (apps.accounts.mfa).
    "apps.accounts.middleware.MfaGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Provider sign-ins: the provider is asked again every OIDC_SESSION_RECHECK_MINUTES (deprovisioning, issue #22).
    "apps.accounts.identity_provider.session.ProviderSessionRecheckMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "apps.common.middleware.SecurityHeadersMiddleware",
    # A lost database connection in a view: a clean 503 (JSON under /api/, a page elsewhere), logged, and the broken
    # connection closed so the next request reconnects (apps.common.db_errors).
    "apps.common.db_errors.DatabaseUnavailableMiddleware",
    # Axes last: it must see the outcome of authentication to count failures (R-ACC-3).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alprportal.urls"
WSGI_APPLICATION = "alprportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.common.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
# Embedded default: a SQLite file, so the portal runs on a laptop with no server. PostgreSQL in CI and production.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'alprportal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers of the access-log hash chain serialize
    # instead of both reading the same chain head (see apps.audit.services.access_log_record).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication (R-ACC-3) ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.AccountStatusBackend",
    "apps.accounts.identity_provider.backend.ProviderBackend",  # does nothing unless OIDC_* is configured
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-guardian: no "AnonymousUser" account (anonymous people get nothing, so there is nothing to grant them).
ANONYMOUS_USER_NAME = None
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions expire after inactivity: every request pushes the expiry forward by the idle timeout.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Accounts not used for this many days are suspended (is_active=False, reason recorded), nightly and at login.
ACCOUNT_INACTIVITY_SUSPEND_DAYS = env.int("ACCOUNT_INACTIVITY_SUSPEND_DAYS", default=90)

# Failed-login throttling (django-axes): lock a username after N failures for the cool-off period.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Each on its own: a username locks after N failures from anywhere; an address after N failures across usernames.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Sign-in through the agency's identity provider (OpenID Connect, issue #22) -----------------------------------
# Off unless a client id and the endpoints are set; local password accounts keep working either way (partner
# requesters of other agencies). mozilla-django-oidc reads the OIDC_* names below.
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="the agency identity provider")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_STORE_ACCESS_TOKEN = True  # the periodic userinfo check (OIDC_SESSION_RECHECK_MINUTES) needs it
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"
# The claim that lists the person's groups, and which group gives which portal role (R-ACC-1), e.g.
# OIDC_GROUP_ROLES="ALPR-Operators=operator,ALPR-Investigators=investigator". A person in no mapped group is refused.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_ROLES = env.dict("OIDC_GROUP_ROLES", default={})
# MFA evidence from the provider: amr values (RFC 8176) or acr values that mean "multi-factor". With
# OIDC_REQUIRE_MFA on, a provider sign-in without such evidence is refused (CJIS Security Policy 5.6.2.2).
OIDC_REQUIRE_MFA = env.bool("OIDC_REQUIRE_MFA", default=False)
OIDC_MFA_AMR_VALUES = env.list("OIDC_MFA_AMR_VALUES", default=["mfa"])
OIDC_MFA_ACR_VALUES = env.list("OIDC_MFA_ACR_VALUES", default=[])
# Every N minutes a provider session asks the provider's userinfo endpoint again: a person removed or disabled there
# loses the session (and their account is deactivated when the provider drops their last mapped group).
OIDC_SESSION_RECHECK_MINUTES = env.int("OIDC_SESSION_RECHECK_MINUTES", default=5)

# --- Security headers -----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_TLS_PROXY", False) else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)

# --- Static and media -----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media-not-served/"  # Media is never served directly: every image download is a permission-checked view.
STORAGES = {
    # Images and documents go through Django's storage API, so object storage (e.g. django-storages' S3 backend,
    # configured by FILE_STORAGE_BACKEND) can replace the local disk without code changes.
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Issue #22: encrypted backups (manage.py backup/restore, docs/backups.md) go to their own storage: by default a local
# directory (BACKUP_DIR; put it on another disk or mount), or any storage backend (BACKUP_STORAGE_BACKEND, e.g. S3).
BACKUP_STORAGE_BACKEND = env.str("BACKUP_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
STORAGES["backups"] = {"BACKEND": BACKUP_STORAGE_BACKEND, "OPTIONS": {
    "location": str(env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")),
    "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700,
} if BACKUP_STORAGE_BACKEND.endswith("FileSystemStorage") else {}}
# 32 random bytes, url-safe base64; kept outside the backup storage. Without it no backup is taken.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
# Optional: expire backups sooner than "the longest-lived data class it holds would have been purged" (days).
BACKUP_RETENTION_MAX_DAYS = env.int("BACKUP_RETENTION_MAX_DAYS", default=None)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Maps ------------------------------------------------------------------------------------------------------
# The agency's own tile server ({z}/{x}/{y} URL template, e.g. https://tiles.example.gov/{z}/{x}/{y}.png) and its
# attribution. Unset: the maps show the vendored offline basemap (US state and county boundaries,
# static/vendor/us-atlas) and load nothing from outside the portal. When set, its origin is added to the
# Content-Security-Policy's img-src.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024 * 1024)

# --- Internationalisation -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("PORTAL_TIME_ZONE", default="America/Los_Angeles")
USE_I18N = True
USE_TZ = True
# One date/time format everywhere, admin included: ISO dates, 24-hour clock (alprportal/formats/en/formats.py).
FORMAT_MODULE_PATH = ["alprportal.formats"]

# --- REST framework -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first so that an anonymous API call gets 401 with a WWW-Authenticate header rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ExpiringTokenAuthentication",  # people's tokens expire (R-SEC-2)
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: an endpoint must be authenticated AND hold the model permission for the method (view
    # permission for GET too). Endpoints that show ALPR data add apps.training.permissions.TrainingCurrent.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.common.api.permissions.StrictModelPermissions",
    ],
    # One JSON parser for the whole API: refuses bodies nested past a sane depth (400) or too large (413) instead of
    # a 500 from a RecursionError. Views that list their own parsers use it too (tests/security/test_bad_json.py).
    "DEFAULT_PARSER_CLASSES": [
        "apps.common.api.parsers.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "apps.common.api.parsers.FieldsOnlyMultiPartParser",  # endpoints that take files declare their own
    ],
    # A JSON or form body over PORTAL["API_MAX_BODY_BYTES"] is refused (413) before it is read; camera ingest and the
    # hot-list feed have their own limits (apps.common.api.negotiation).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.common.api.negotiation.PortalContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.common.api.exceptions.portal_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "6000/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ALPR Portal API",
    "DESCRIPTION": (
        "Governed access to Automated License Plate Reader data (Cal. Civ. Code §§ 1798.90.5–1798.90.55). "
        "Every query of read data requires a purpose and a case number and is written to the access log first."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Every operation has a one-line summary in the docs (issue #17).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "alprportal.api_docs.operation_summaries_fill"],
    "COMPONENT_SPLIT_REQUEST": True,
    # No CDN: the machines are offline. Swagger UI's assets ship in drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One stable name per choice set shared by several endpoints.
    "ENUM_NAME_OVERRIDES": {
        "CameraStatusEnum": "apps.reads.choices.CameraStatus",
        "CameraKindEnum": "apps.reads.choices.CameraKind",
        "IngestItemStatusEnum": "apps.reads.choices.ItemStatus",
        "OpenAlprWebhookStatusEnum": "apps.reads.choices.WebhookStatus",
        "PurposeEnum": "apps.audit.choices.Purpose",
        "AccessLogPurposeEnum": "apps.audit.choices.ALL_PURPOSE_CHOICES",
        "DisclosureStatusEnum": "apps.disclosures.choices.DisclosureStatus",
        "HitStatusEnum": "apps.hotlists.choices.HitStatus",
        "OcrStatusEnum": "apps.ocr.choices.JobStatus",  # jobs and their items share one set of states
    },
}

# --- Celery ---------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/1")
# Set by `manage.py serve` when Redis cannot be reached: tasks then run in-process and the portal still works.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged message (acks late: the worker died mid-task) to another worker only after this many
# seconds. It must exceed the longest task plus the longest retry countdown (Celery's retry_backoff caps at 600 s) or
# a task still running would be delivered twice; the nightly retention run is the longest (about a minute at 10M
# reads). Stranded OCR photos do not wait for it: ocr_items_recover requeues them (see the beat schedule).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600)}
# Sending a task also subscribes to its result in Redis. With Redis down, the default policy retries that for about
# 20 s before giving up, inside the web request that sent the task; the portal never waits for a task's result, so
# give up after about a second: the caller logs it and the work is caught up later (see ocr_items_recover).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5},
}
# OCR of uploaded photos runs on its own queue (`manage.py serve` starts the worker with -Q celery,ocr), so a burst of
# uploads never delays the other jobs and OCR concurrency can be sized for the models' memory (apps.ocr).
CELERY_TASK_ROUTES = {"apps.ocr.tasks.*": {"queue": "ocr"}}
CELERY_BEAT_SCHEDULE = {
    # R-AUD-3: the portal reviews its own access log nightly (idempotent: a rerun adds no flag twice); R-READ-3: the
    # agencies' nightly RMS exports are imported by the command that receives them (manage.py rms_import).
    "misuse-review-nightly": {
        "task": "apps.misuse.tasks.misuse_review_run",
        "schedule": crontab(hour=2, minute=40),
    },
    # Issue #21: cameras whose agent stopped sending heartbeats: marked "not reporting", one alert (R-READ-5).
    # Issue #19: reads partitions of the coming months (PostgreSQL); reads that landed in the default partition are
    # moved into their month's new partition. Idempotent.
    "reads-partitions-ensure": {
        "task": "apps.reads.tasks.reads_partitions_ensure",
        "schedule": crontab(hour=0, minute=20),
    },
    "reads-cameras-not-reporting": {
        "task": "apps.reads.tasks.cameras_not_reporting_check",
        "schedule": timedelta(minutes=5),
    },
    # R-HOT-2: alert owners of stale external hot lists (matching already ignores them, live); idempotent
    # (deduplicated notifications).
    "hotlists-alert-stale": {
        "task": "apps.hotlists.tasks.hot_lists_alert_stale",
        "schedule": timedelta(minutes=5),
    },
    # R-HOT-7: alert when a data-quality review of an own-agency hot list is overdue (deduplicated per due date).
    "hotlists-quality-review-overdue": {
        "task": "apps.hotlists.tasks.hot_list_quality_reviews_alert_overdue",
        "schedule": crontab(hour=7, minute=5),
    },
    # R-READ-5 (policy 002): tell the ALPR Administrator and the officer's supervisor about units out of service.
    "reads-units-out-of-service": {
        "task": "apps.reads.tasks.units_out_of_service_notify",
        "schedule": timedelta(minutes=2),
    },
    "accounts-suspend-dormant": {
        "task": "apps.accounts.tasks.accounts_suspend_dormant",
        "schedule": crontab(hour=1, minute=15),
    },
    # R-REP-1, R-REP-2: draft the report of the period that just ended (Jan 1, Jul 1); daily catch-up and due/overdue
    # alerts.
    "reports-draft-due": {
        "task": "apps.reports.tasks.reports_draft_due",
        "schedule": crontab(hour=2, minute=30, day_of_month=1, month_of_year="1,7"),
    },
    "reports-check-due": {
        "task": "apps.reports.tasks.reports_check_due",
        "schedule": crontab(hour=6, minute=45),
    },
    # R-SHR-2: warn 60/30/7 days before an agreement's sunset, expire agreements on their sunset day.
    "agreements-sunset-daily": {
        "task": "apps.agreements.tasks.agreements_sunset_daily",
        "schedule": crontab(hour=0, minute=20),
    },
    # R-RET-1, R-RET-2, R-RET-3, R-RET-4: nightly archive/purge of every data class (skipping held data); yearly hold
    # re-affirmation reminders.
    # Issue #22: the nightly encrypted backup (skipped if one succeeded in the last 20 hours) and the deletion of
    # expired backups (idempotent); before the retention run, so tonight's purges record tonight's backup.
    "backups-nightly": {
        "task": "apps.backups.tasks.backups_nightly",
        "schedule": crontab(hour=2, minute=10),
    },
    "retention-nightly": {
        "task": "apps.retention.tasks.retention_run_nightly",
        "schedule": crontab(hour=3, minute=10),
    },
    # R-READ-1: photos stranded without a task (the broker was down when their upload committed, or a worker died
    # mid-photo and no redelivery came) are queued again; OCR is idempotent, so a duplicate message is a no-op.
    "ocr-items-recover": {
        "task": "apps.ocr.tasks.ocr_items_recover",
        "schedule": timedelta(minutes=5),
    },
    # R-AUD-1b: sign the access log's chain head (a no-op when nothing was logged since the last anchor).
    "audit-access-log-anchor": {
        "task": "apps.audit.tasks.access_log_anchor_task",
        "schedule": timedelta(minutes=ACCESS_LOG_ANCHOR_MINUTES),
    },
    "holds-reaffirm-reminders": {
        "task": "apps.holds.tasks.holds_reaffirm_remind",
        "schedule": crontab(hour=6, minute=30),
    },
    # Issue #9 catch-ups: a service stores its work (a queued job, a pending match) and sends the task after commit,
    # best effort; with the broker down the send is logged, not raised, and these pick the work up once it is back.
    # Every 5 minutes bounds the delay (a job is re-sent once queued for 5 minutes: about 10 minutes at worst) and
    # costs one indexed query each when nothing is stranded. All are idempotent: a duplicate message is a no-op.
    # R-HOT-3: match the reads whose matching failed in their ingest transaction (apps.hotlists.PendingMatch).
    "hotlists-match-pending": {
        "task": "apps.hotlists.tasks.hits_match_pending_task",
        "schedule": timedelta(minutes=5),
    },
    # R-SHR-4: build the release packages of approved requests whose job was never delivered.
    "disclosures-packages-resend": {
        "task": "apps.disclosures.tasks.release_packages_resend",
        "schedule": timedelta(minutes=5),
    },
    # R-RET-3: build the evidence packages of holds whose job was never delivered.
    "holds-exports-resend": {
        "task": "apps.holds.tasks.evidence_exports_resend",
        "schedule": timedelta(minutes=5),
    },
    # R-REP-1, R-REP-2: compute and render (or finalize) the reports whose job was never delivered.
    # R-AUD-3a: alert before and after the yearly audit campaign and audit-trail inspection fall due (idempotent).
    "audits-check-due": {
        "task": "apps.audits.tasks.audits_check_due",
        "schedule": crontab(hour=6, minute=50),
    },
    # R-SEC-2: unusual query volume by one person (one alert per person per window; idempotent).
    "audit-query-volume": {
        "task": "apps.audit.tasks.query_volume_check_task",
        "schedule": timedelta(minutes=10),
    },
    "reports-jobs-resend": {
        "task": "apps.reports.tasks.report_jobs_resend",
        "schedule": timedelta(minutes=5),
    },
}

# --- Agency policy (placeholders until the capabilities that use them land) ------------------------------------
PORTAL = {
    # Issue #22: second factors of local accounts. The issuer names the portal in authenticator apps; the WebAuthn
    # relying party id is the portal's host name (empty: the host of the request, right for one-host deployments).
    "MFA_TOTP_ISSUER": env.str("MFA_TOTP_ISSUER", default="ALPR Portal"),
    "MFA_WEBAUTHN_RP_ID": env.str("MFA_WEBAUTHN_RP_ID", default=""),
    "MFA_WEBAUTHN_RP_NAME": env.str("MFA_WEBAUTHN_RP_NAME", default="ALPR Portal"),
    "AGENCY_NAME": env.str("PORTAL_AGENCY_NAME", default="Demo County Sheriff's Department"),
    "AGENCY_ORI": env.str("PORTAL_AGENCY_ORI", default="CA0190000"),
    "CUSTODIAN_TITLE": env.str("PORTAL_CUSTODIAN_TITLE", default="Custodian of Records"),
    # R-ACC-2: initial course, then an annual refresher.
    "TRAINING_REFRESHER_DAYS": env.int("TRAINING_REFRESHER_DAYS", default=365),
    # R-RET-1, R-RET-2, R-AUD-1, R-SHR-7 (used by the retention capability).
    "READ_RETENTION_DAYS": env.int("READ_RETENTION_DAYS", default=730),
    "ARCHIVE_PURGE_DAYS": env.int("ARCHIVE_PURGE_DAYS", default=365),
    "ACCESS_LOG_RETENTION_DAYS": max(env.int("ACCESS_LOG_RETENTION_DAYS", default=730), 730),
    "DISCLOSURE_RECORD_RETENTION_DAYS": max(env.int("DISCLOSURE_RECORD_RETENTION_DAYS", default=730), 730),
    # Defaults of the deploying agency's RetentionPolicy row (apps.retention: the one source of truth once saved).
    # SB 274 (vetoed 2025) would have purged reads that hit nothing after 60 days: set 60 to adopt it; 0 = off.
    "NON_HIT_READ_PURGE_DAYS": env.int("NON_HIT_READ_PURGE_DAYS", default=0),
    "HIT_RETENTION_DAYS": env.int("HIT_RETENTION_DAYS", default=730),
    "HOTLIST_RETENTION_DAYS": env.int("HOTLIST_RETENTION_DAYS", default=730),
    # R-RET-5: the legal minimum retention of ALPR data. No period that deletes reads or hits (the purge after
    # archiving, the optional early purge, hits) may be shorter; the policy page, the service and a system check
    # (retention.E001) refuse it. 365 days: Gov. Code § 34090.6 (001 471.5, 003 427.4); an agency may be stricter,
    # e.g. 1825 (5 years, the Port Police's 000 462.4).
    "RETENTION_LEGAL_MINIMUM_DAYS": env.int("RETENTION_LEGAL_MINIMUM_DAYS", default=365),
    "RETENTION_LEGAL_MINIMUM_BASIS": env.str("RETENTION_LEGAL_MINIMUM_BASIS", default="Gov. Code § 34090.6"),
    # R-RET-6: copies of read data have their own periods, then the nightly run purges them like the reads:
    # released reads and the release package file (days after the release), the list of held reads (days after the
    # hold ended), evidence export files (days after they were built).
    "RELEASE_COPY_RETENTION_DAYS": env.int("RELEASE_COPY_RETENTION_DAYS", default=730),
    "HELD_READ_LIST_RETENTION_DAYS": env.int("HELD_READ_LIST_RETENTION_DAYS", default=730),
    "EVIDENCE_EXPORT_RETENTION_DAYS": env.int("EVIDENCE_EXPORT_RETENTION_DAYS", default=365),
    "RETENTION_BATCH_SIZE": env.int("RETENTION_BATCH_SIZE", default=50000),
    # A run refuses to start when this host's clock is further ahead of the database's (apps.retention.services).
    "RETENTION_CLOCK_AHEAD_MAX_SECONDS": env.int("RETENTION_CLOCK_AHEAD_MAX_SECONDS", default=300),
    "RETENTION_WORKERS": env.int("RETENTION_WORKERS", default=2),  # parallel slices of the archive/purge passes
    "RETENTION_ORPHAN_GRACE_HOURS": env.int("RETENTION_ORPHAN_GRACE_HOURS", default=24),
    # Reads partitioned by capture month on PostgreSQL (apps.reads.partitions, issue #19): partitions are created this
    # many months ahead by the daily beat job; its DDL waits at most this long for a lock, then gives up until the
    # next run (never stalling ingest or searches behind it).
    "READS_PARTITION_MONTHS_AHEAD": env.int("READS_PARTITION_MONTHS_AHEAD", default=3),
    "READS_PARTITION_LOCK_TIMEOUT_SECONDS": env.int("READS_PARTITION_LOCK_TIMEOUT_SECONDS", default=10),
    # Retention empties a whole month partition at once (TRUNCATE, the few kept reads put back) when at most this
    # share of its reads must be kept (held, referred to, not yet due); otherwise it deletes row by row.
    "RETENTION_PARTITION_KEEP_MAX_SHARE": env.float("RETENTION_PARTITION_KEEP_MAX_SHARE", default=0.2),
    # Evidence holds (apps.holds, R-RET-3).
    "HOLD_MAX_READS": env.int("HOLD_MAX_READS", default=10000),
    # R-READ-5: how far back an operator may date their unit's status report (a patrol shift); supervisors and
    # administrators may date it further.
    "CAMERA_STATUS_BACKDATE_HOURS": env.int("CAMERA_STATUS_BACKDATE_HOURS", default=12),
    "HOLD_REAFFIRM_DAYS": env.int("HOLD_REAFFIRM_DAYS", default=365),
    "HOLD_REAFFIRM_NOTICE_DAYS": env.int("HOLD_REAFFIRM_NOTICE_DAYS", default=30),
    # R-RET-3a: a hold request still waiting (supervisor or custodian's verification) this many days after it was
    # made stops protecting its reads from archiving and purging.
    "HOLD_PENDING_PROTECT_DAYS": env.int("HOLD_PENDING_PROTECT_DAYS", default=30),
    # R-HOT-2
    "PARTNER_HOTLIST_MAX_AGE_HOURS": env.int("PARTNER_HOTLIST_MAX_AGE_HOURS", default=24),
    # R-HOT-7: periodic data-quality review of each own-agency hot list; an alert once a list's last review (or its
    # creation) is older than this.
    "HOTLIST_QUALITY_REVIEW_DAYS": max(env.int("HOTLIST_QUALITY_REVIEW_DAYS", default=90), 1),
    # Oversight (apps.audits, apps.reports): R-AUD-3, R-REP-1, R-REP-2, R-REP-3.
    # Patrol shifts (apps.shifts, R-OPS-1): a sign-on this long before a shift starts counts for it; a sign-off more
    # than this before the shift's end is "early" (needs a note; the gap report shows it).
    "SHIFT_SIGN_ON_LEAD_MINUTES": env.int("SHIFT_SIGN_ON_LEAD_MINUTES", default=30),
    "SHIFT_EARLY_SIGN_OFF_MINUTES": env.int("SHIFT_EARLY_SIGN_OFF_MINUTES", default=15),
    # Oversight (apps.audits, apps.reports): R-AUD-3, R-REP-1, R-REP-2, R-REP-3.
    "AUDIT_SAMPLE_MIN": env.int("AUDIT_SAMPLE_MIN", default=30),
    # R-AUD-3a: audits are scheduled (a campaign and an audit-trail inspection at least every 365 days; system check
    # audits.E001 refuses longer), alerts start AUDIT_DUE_SOON_DAYS before; risk-weighted samples (apps.audits.risk).
    "AUDIT_CAMPAIGN_INTERVAL_DAYS": env.int("AUDIT_CAMPAIGN_INTERVAL_DAYS", default=365),
    "AUDIT_TRAIL_INSPECTION_INTERVAL_DAYS": env.int("AUDIT_TRAIL_INSPECTION_INTERVAL_DAYS", default=365),
    "AUDIT_DUE_SOON_DAYS": env.int("AUDIT_DUE_SOON_DAYS", default=30),
    # R-AUD-3: the nightly review of the access log (apps.misuse.detection); see README "Misuse detection".
    "MISUSE_WINDOW_DAYS": env.int("MISUSE_WINDOW_DAYS", default=90),
    "MISUSE_PLATE_CASES_MIN": env.int("MISUSE_PLATE_CASES_MIN", default=3),
    "MISUSE_PLATE_WEEKS_MIN": env.int("MISUSE_PLATE_WEEKS_MIN", default=4),
    "MISUSE_VOLUME_FACTOR": env.float("MISUSE_VOLUME_FACTOR", default=5.0),
    "MISUSE_VOLUME_MIN": env.int("MISUSE_VOLUME_MIN", default=60),
    "MISUSE_CASE_PLATES_MIN": env.int("MISUSE_CASE_PLATES_MIN", default=15),
    "MISUSE_CLUSTER_MIN": env.int("MISUSE_CLUSTER_MIN", default=3),
    # The same place and day searched without a plate by several people, each under MISUSE_CLUSTER_MIN alone.
    "MISUSE_SHARED_CLUSTER_PEOPLE": env.int("MISUSE_SHARED_CLUSTER_PEOPLE", default=3),
    "MISUSE_SHARED_CLUSTER_MIN": env.int("MISUSE_SHARED_CLUSTER_MIN", default=6),
    # ... and only when the place's own baseline makes that day improbable: the number of such days a review over
    # ordinary traffic may flag by chance, over all places and days of the window (apps.misuse.detection).
    "MISUSE_SHARED_CLUSTER_CHANCE": env.float("MISUSE_SHARED_CLUSTER_CHANCE", default=0.01),
    "MISUSE_OFF_SHIFT_GRACE_MINUTES": env.int("MISUSE_OFF_SHIFT_GRACE_MINUTES", default=60),
    "MISUSE_OFF_SHIFT_MIN": env.int("MISUSE_OFF_SHIFT_MIN", default=3),
    # A search on a day of recorded leave: one is enough to ask (someone on leave has no case to work).
    "MISUSE_ON_LEAVE_MIN": env.int("MISUSE_ON_LEAVE_MIN", default=1),
    # Searches refused for their case number by one person in one day (one is a typo; several, trying numbers).
    "MISUSE_REFUSED_MIN": env.int("MISUSE_REFUSED_MIN", default=3),
    "AUDIT_RISK_WEIGHTS": {
        "misuse_flag": env.float("AUDIT_RISK_WEIGHT_MISUSE_FLAG", default=5.0),
        "area_search": env.float("AUDIT_RISK_WEIGHT_AREA_SEARCH", default=4.0),
        "repeated_plate": env.float("AUDIT_RISK_WEIGHT_REPEATED_PLATE", default=3.0),
        "off_shift": env.float("AUDIT_RISK_WEIGHT_OFF_SHIFT", default=2.0),
    },
    "AUDIT_RISK_REPEAT_MIN": env.int("AUDIT_RISK_REPEAT_MIN", default=3),
    "AUDIT_SHIFT_HOURS": env.int("AUDIT_SHIFT_HOURS", default=10),
    "AUDIT_SHIFT_MIN_QUERIES": env.int("AUDIT_SHIFT_MIN_QUERIES", default=10),
    # R-SEC-2: a person's searches in the last QUERY_VOLUME_WINDOW_MINUTES alert when they reach both
    # QUERY_VOLUME_MIN and QUERY_VOLUME_BASELINE_FACTOR × their own average per active window over the
    # QUERY_VOLUME_BASELINE_DAYS before (apps.audit.security).
    "QUERY_VOLUME_WINDOW_MINUTES": env.int("QUERY_VOLUME_WINDOW_MINUTES", default=60),
    "QUERY_VOLUME_MIN": env.int("QUERY_VOLUME_MIN", default=30),
    "QUERY_VOLUME_BASELINE_FACTOR": env.float("QUERY_VOLUME_BASELINE_FACTOR", default=4.0),
    "QUERY_VOLUME_BASELINE_DAYS": env.int("QUERY_VOLUME_BASELINE_DAYS", default=30),
    "REPORT_DUE_DAYS": env.int("REPORT_DUE_DAYS", default=90),
    "REPORT_DUE_SOON_DAYS": env.int("REPORT_DUE_SOON_DAYS", default=14),
    "REPORT_SMALL_COUNT_THRESHOLD": env.int("REPORT_SMALL_COUNT_THRESHOLD", default=5),
    # Key of the redacted rendition's pseudonyms; empty: derived from DJANGO_SECRET_KEY (rotating it renames people).
    "REPORT_PSEUDONYM_KEY": env.str("REPORT_PSEUDONYM_KEY", default=""),
    # Sharing (apps.agreements, apps.disclosures): R-SHR-2, R-SHR-3, R-SHR-4, R-SHR-5, R-SHR-6, R-SHR-7.
    "AGREEMENT_SUNSET_WARNING_DAYS": [int(d) for d in env.list("AGREEMENT_SUNSET_WARNING_DAYS",
                                                               default=["60", "30", "7"])],
    # On by default: policy 004 §V (the fullest of the five) shares ALPR data with another public agency "only upon
    # the execution of an inter-agency agreement" with an annual sunset, and the default must be the strictest policy
    # the portal was written from. Agencies whose policy also accepts a written request without an agreement
    # (000 462.7(b), 001 471.7, 003 427.6) set DISCLOSURE_REQUIRES_AGREEMENT=false. The records-release path for
    # other public agencies (R-SHR-1a, Agency.records_release_enabled) follows that policy, not agreements.
    "DISCLOSURE_REQUIRES_AGREEMENT": env.bool("DISCLOSURE_REQUIRES_AGREEMENT", default=True),
    "DISCLOSURE_ATTACHMENT_MAX_BYTES": env.int("DISCLOSURE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    "DISCLOSURE_PACKAGE_LINK_MAX_AGE_SECONDS": env.int("DISCLOSURE_PACKAGE_LINK_MAX_AGE_SECONDS", default=900),
    "DISCLOSURE_MAX_RELEASE_READS": env.int("DISCLOSURE_MAX_RELEASE_READS", default=10000),
    # API (apps.common.api.negotiation): the largest JSON or form body any endpoint reads, camera ingest excepted
    # (DATA_UPLOAD_MAX_MEMORY_SIZE, sized for batches with images); larger ones are refused with 413 unread.
    "API_MAX_BODY_BYTES": env.int("API_MAX_BODY_BYTES", default=1024 * 1024),
    # Reads (apps.reads): ingest limits and the search window (R-READ-1, R-READ-3, R-READ-4).
    "READ_INGEST_MAX_BATCH": env.int("READ_INGEST_MAX_BATCH", default=1000),
    "READ_IMAGE_MAX_BYTES": env.int("READ_IMAGE_MAX_BYTES", default=2 * 1024 * 1024),
    # Issue #19: the images of one ingest batch are stored as ONE object (a pack) with offsets; false stores one
    # file per image as before (both are read back and purged the same way).
    "READ_IMAGE_PACKS": env.bool("READ_IMAGE_PACKS", default=True),
    # R-SEC-2: a camera's ingest token is refused this many days after it was issued (rotate before then).
    "CAMERA_TOKEN_LIFETIME_DAYS": env.int("CAMERA_TOKEN_LIFETIME_DAYS", default=365),
    # R-SEC-2: a person's API token is refused this long after it was created (revoke one by deleting it).
    "API_TOKEN_LIFETIME_DAYS": max(env.int("API_TOKEN_LIFETIME_DAYS", default=90), 1),
    "READ_CLOCK_SKEW_SECONDS": env.int("READ_CLOCK_SKEW_SECONDS", default=300),
    "READ_SEARCH_DEFAULT_DAYS": env.int("READ_SEARCH_DEFAULT_DAYS", default=30),
    "READ_SEARCH_MAX_DAYS": env.int("READ_SEARCH_MAX_DAYS", default=1100),
    "READ_SEARCH_PARTIAL_MAX_DAYS": env.int("READ_SEARCH_PARTIAL_MAX_DAYS", default=92),
    "READ_EXPORT_MAX_ROWS": env.int("READ_EXPORT_MAX_ROWS", default=10000),
    # Camera agents (issue #21): a camera whose agent sends heartbeats and is silent this long is "not reporting"
    # (cameras page, one alert to the ALPR Administrator; R-READ-5, R-OPS-1).
    "CAMERA_HEARTBEAT_SILENCE_MINUTES": env.int("CAMERA_HEARTBEAT_SILENCE_MINUTES", default=15),
    # Imagery OCR (apps.ocr, R-READ-1): engine ("onnx"; "onnx-v4" and "paddle" need `make install-ocr-engines`;
    # OCR_DEVICE=gpu runs "paddle" on a GPU; system checks ocr.E00x say what is missing), the Celery queue of the
    # OCR tasks, and the limits every uploaded photo is checked against by really decoding it.
    "OCR_ENGINE": env.str("OCR_ENGINE", default="onnx"),
    "OCR_QUEUE": env.str("OCR_QUEUE", default="ocr"),
    "OCR_UPLOAD_MAX_BYTES": env.int("OCR_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024),
    "OCR_UPLOAD_MAX_PIXELS": env.int("OCR_UPLOAD_MAX_PIXELS", default=40_000_000),
    "OCR_UPLOAD_MAX_PHOTOS": env.int("OCR_UPLOAD_MAX_PHOTOS", default=20),
    "OCR_WARM_WORKERS": env.bool("OCR_WARM_WORKERS", default=True),
    # Recovery of stranded photos (ocr_items_recover): queued this long without being started, or processing this
    # long (a photo takes about a second; the task's hard time limit is OCR_TASK_TIME_LIMIT_SECONDS).
    "OCR_RECOVER_QUEUED_SECONDS": env.int("OCR_RECOVER_QUEUED_SECONDS", default=600),
    "OCR_RECOVER_PROCESSING_SECONDS": env.int("OCR_RECOVER_PROCESSING_SECONDS", default=900),
    "OCR_TASK_TIME_LIMIT_SECONDS": env.int("OCR_TASK_TIME_LIMIT_SECONDS", default=300),
}

# --- E-mail (alerts) -------------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="alpr-portal@localhost")

# --- Logging --------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
