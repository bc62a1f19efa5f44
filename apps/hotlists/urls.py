from django.urls import path

from apps.hotlists import views

app_name = "hotlists"

urlpatterns = [
    path("", views.HotListListView.as_view(), name="list"),
    path("new/", views.HotListCreateView.as_view(), name="create"),
    path("hits/", views.HitListView.as_view(), name="hits"),
    path("hits/<int:pk>/", views.HitDetailView.as_view(), name="hit"),
    path("hits/<int:pk>/confirm/", views.HitConfirmView.as_view(), name="hit_confirm"),
    path("hits/<int:pk>/misread/", views.HitMisreadView.as_view(), name="hit_misread"),
    path("hits/<int:pk>/not-actionable/", views.HitNotActionableView.as_view(), name="hit_not_actionable"),
    path("hits/<int:pk>/action/", views.HitActionView.as_view(), name="hit_action"),
    path("hits/<int:pk>/exigent/", views.HitExigentView.as_view(), name="hit_exigent"),
    path("hits/<int:pk>/exigent-review/", views.HitExigentReviewView.as_view(), name="hit_exigent_review"),
    path("exigent/", views.ExigentQueueView.as_view(), name="exigent_queue"),
    path("hits/<int:pk>/image/<str:kind>/", views.HitImageView.as_view(), name="hit_image"),
    path("usage/", views.UsageReportView.as_view(), name="usage"),
    path("quality/", views.QualityView.as_view(), name="quality"),
    path("errors/", views.EntryErrorListView.as_view(), name="errors"),
    path("errors/<int:error_pk>/resolve/", views.EntryErrorResolveView.as_view(), name="error_resolve"),
    path("referrals/<int:referral_pk>/sent/", views.ReferralSentView.as_view(), name="referral_sent"),
    path("<int:pk>/", views.HotListDetailView.as_view(), name="detail"),
    path("<int:pk>/entries/new/", views.EntryAddView.as_view(), name="entry_add"),
    path("<int:pk>/entries/<int:entry_pk>/remove/", views.EntryRemoveView.as_view(), name="entry_remove"),
    path("<int:pk>/entries/<int:entry_pk>/erroneous/", views.EntryErrorView.as_view(), name="entry_erroneous"),
    path("<int:pk>/entries/<int:entry_pk>/back-search/", views.EntryBackSearchView.as_view(), name="entry_backsearch"),
    path("<int:pk>/import/", views.ImportUploadView.as_view(), name="import"),
    path("<int:pk>/imports/<int:import_pk>/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("<int:pk>/imports/<int:import_pk>/apply/", views.ImportApplyView.as_view(), name="import_apply"),
    path("<int:pk>/imports/<int:import_pk>/discard/", views.ImportDiscardView.as_view(), name="import_discard"),
    path("<int:pk>/versions/<int:version_pk>/", views.VersionDetailView.as_view(), name="version"),
]
