from django.urls import path

from apps.hotlists.views import entry_errors, hits, list_imports, lists, supervisors

app_name = "hotlists"

urlpatterns = [
    path("", lists.HotListListView.as_view(), name="list"),
    path("new/", lists.HotListCreateView.as_view(), name="create"),
    path("hits/", hits.HitListView.as_view(), name="hits"),
    path("hits/<int:pk>/", hits.HitDetailView.as_view(), name="hit"),
    path("hits/<int:pk>/confirm/", hits.HitConfirmView.as_view(), name="hit_confirm"),
    path("hits/<int:pk>/misread/", hits.HitMisreadView.as_view(), name="hit_misread"),
    path("hits/<int:pk>/not-actionable/", hits.HitNotActionableView.as_view(), name="hit_not_actionable"),
    path("hits/<int:pk>/action/", hits.HitActionView.as_view(), name="hit_action"),
    path("hits/<int:pk>/exigent/", hits.HitExigentView.as_view(), name="hit_exigent"),
    path("hits/<int:pk>/exigent-review/", hits.HitExigentReviewView.as_view(), name="hit_exigent_review"),
    path("exigent/", hits.ExigentQueueView.as_view(), name="exigent_queue"),
    path("hits/<int:pk>/image/<str:kind>/", hits.HitImageView.as_view(), name="hit_image"),
    path("usage/", supervisors.UsageReportView.as_view(), name="usage"),
    path("quality/", supervisors.QualityView.as_view(), name="quality"),
    path("errors/", entry_errors.EntryErrorListView.as_view(), name="errors"),
    path("errors/<int:error_pk>/resolve/", entry_errors.EntryErrorResolveView.as_view(), name="error_resolve"),
    path("referrals/<int:referral_pk>/sent/", entry_errors.ReferralSentView.as_view(), name="referral_sent"),
    path("<int:pk>/", lists.HotListDetailView.as_view(), name="detail"),
    path("<int:pk>/entries/new/", lists.EntryAddView.as_view(), name="entry_add"),
    path("<int:pk>/entries/<int:entry_pk>/remove/", lists.EntryRemoveView.as_view(), name="entry_remove"),
    path("<int:pk>/entries/<int:entry_pk>/erroneous/", entry_errors.EntryErrorView.as_view(), name="entry_erroneous"),
    path("<int:pk>/entries/<int:entry_pk>/back-search/", lists.EntryBackSearchView.as_view(), name="entry_backsearch"),
    path("<int:pk>/import/", list_imports.ImportUploadView.as_view(), name="import"),
    path("<int:pk>/imports/<int:import_pk>/", list_imports.ImportPreviewView.as_view(), name="import_preview"),
    path("<int:pk>/imports/<int:import_pk>/apply/", list_imports.ImportApplyView.as_view(), name="import_apply"),
    path("<int:pk>/imports/<int:import_pk>/discard/", list_imports.ImportDiscardView.as_view(), name="import_discard"),
    path("<int:pk>/versions/<int:version_pk>/", lists.VersionDetailView.as_view(), name="version"),
]
