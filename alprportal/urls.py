from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from alprportal.api_docs import ApiDocsView
from apps.accounts.views import HomeView

admin.site.site_header = "ALPR Portal administration"
admin.site.site_title = "ALPR Portal"
admin.site.index_title = "Records and people"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("training/", include("apps.training.urls")),
    path("audit/", include("apps.audit.urls")),
    path("reads/", include("apps.reads.urls")),
    path("hotlists/", include("apps.hotlists.urls")),
    path("justifications/", include("apps.justifications.urls")),
    path("shifts/", include("apps.shifts.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("audits/", include("apps.audits.urls")),
    path("misuse/", include("apps.misuse.urls")),
    path("reports/", include("apps.reports.urls")),
    path("transparency/", include("apps.reports.public_urls")),
    path("disclosures/", include("apps.disclosures.urls")),
    path("holds/", include("apps.holds.urls")),
    path("retention/", include("apps.retention.urls")),
    path("ocr/", include("apps.ocr.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("alprportal.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
