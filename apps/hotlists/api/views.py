"""Hot-list API: the live hits feed the hits page polls, one hit and its transitions (confirm, misread, not
actionable, action taken: R-HOT-4, R-HOT-5), the lists with their freshness, and the import endpoint for automated feeds
(dry-run preview or apply)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.access_context import access_context_for_api, access_context_from_request
from apps.common.api.permissions import StrictModelPermissions
from apps.common.errors import ApplicationError
from apps.common.server_time import client_times_refuse
from apps.hotlists import imports
from apps.hotlists.choices import CONFIRMATION_CHOICES, CONFIRMATION_RESULT_CHOICES, ExigentReviewOutcome, HitAction
from apps.hotlists.models import Hit, HotList
from apps.hotlists.presenters import hit_as_dict, hit_review_as_dict
from apps.hotlists.selectors import (
    hit_list_visible_to,
    hits_live,
    hits_log_shown,
    hot_list_list_visible_to,
    hot_list_state,
)
from apps.hotlists.services.hits import (
    hit_act_exigent,
    hit_confirm,
    hit_exigent_review,
    hit_mark_misread,
    hit_mark_not_actionable,
    hit_record_action,
)
from apps.hotlists.services.list_imports import hot_list_import_apply, hot_list_import_preview
from apps.training.gate import TrainingCurrent

SINCE_INVALID = "“since” must be a date and time in ISO 8601 (the server_time of the previous answer), e.g. {example}."
FEED_BODY_REQUIRED = "Send the CSV as the request body (Content-Type: text/csv) or as a multipart file named “file”."

# Every view of hits needs the person's purpose and case number (R-AUD-1a); a browser session that stated them on
# the hits page need not repeat them.
_ACCESS_PARAMETERS = [
    OpenApiParameter("purpose", str, description="Authorized purpose (see /api/v1/reads/ search)."),
    OpenApiParameter("case_number", str, description="Case or incident number."),
]


def _flag(value) -> bool:
    return str(value or "").lower() in ("1", "true", "yes", "on")


def _since_parse(value: str, *, now):
    """The ``since`` of a poll: empty → None; a value that is not a date and time (``2026-02-30T00:00``, an offset of
    +99:00) is the client's error, said as such (400), never a 500."""
    if not value:
        return None
    try:
        since = parse_datetime(value)
    except ValueError:  # well formed but no such moment
        since = None
    if since is None:
        raise ApplicationError(SINCE_INVALID.format(example=now.isoformat(timespec="seconds")), code="since_invalid")
    return since


class HitLiveApi(APIView):
    """New hits since ``after`` (a hit id), highest priority and newest first, plus the status of hits changed since
    ``since`` (so every open page follows confirmations made elsewhere). Needs the person's purpose and case number
    (``purpose`` and ``case_number``, or the ones stated on the hits page this session); hits shown are logged under
    them, one row per response (R-AUD-1a)."""

    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    queryset = Hit.objects.none()

    @extend_schema(parameters=[OpenApiParameter("after", int), OpenApiParameter("since", str), *_ACCESS_PARAMETERS],
                   responses={200: dict})
    def get(self, request):
        access = access_context_for_api(request)
        try:
            after = max(0, int(request.query_params.get("after") or 0))
        except ValueError:
            after = 0
        now = timezone.now()
        since = _since_parse(request.query_params.get("since") or "", now=now)  # before anything is shown or logged
        hits = hits_live(user=request.user, after=after)
        if hits:
            hits_log_shown(user=request.user, hits=hits, context=access, request=request)
        updated = []
        if since is not None and after:
            updated = [{"id": pk, "status": status_value, "status_label": Hit(status=status_value).get_status_display()}
                       for pk, status_value in hit_list_visible_to(user=request.user)
                       .filter(updated_at__gte=since, pk__lte=after).values_list("id", "status")[:200]]
        return Response({"hits": [hit_as_dict(hit, user=request.user, context=access) for hit in hits],
                         "last_id": max([after, *(hit.pk for hit in hits)]), "updated": updated,
                         "server_time": now.isoformat()})


class HitDetailApi(APIView):
    """One hit the person may see (others 404), with its read, entry and status. Logged as shown (R-AUD-1)."""

    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    queryset = Hit.objects.none()

    @extend_schema(operation_id="v1_hit_detail", parameters=_ACCESS_PARAMETERS, responses={200: dict})
    def get(self, request, pk: int):
        hit = get_object_or_404(hit_list_visible_to(user=request.user), pk=pk)  # 404 before the purpose is asked
        access = access_context_for_api(request)
        hits_log_shown(user=request.user, hits=[hit], context=access, request=request)
        return Response({**hit_as_dict(hit, user=request.user, context=access), **hit_review_as_dict(hit)})


class CanConfirmHits(BasePermission):
    message = "You may not confirm or dismiss hits."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("hotlists.view_hit")
                    and user.has_perm("hotlists.confirm_hit"))


class HitConfirmSerializer(serializers.Serializer):
    """No time field: the confirmation time is the server's; a body that sends one is refused (R-HOT-4a)."""

    method = serializers.ChoiceField(choices=CONFIRMATION_CHOICES)
    result = serializers.ChoiceField(choices=CONFIRMATION_RESULT_CHOICES)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=120,
                                      help_text="Dispatcher's name or ID, or CLETS reference (required for stolen).")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class HitExigentSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=HitAction.choices)
    justification = serializers.CharField(max_length=4000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ExigentReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ExigentReviewOutcome.choices)
    note = serializers.CharField(max_length=4000)


class HitNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class HitActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=HitAction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class _HitTransitionApi(APIView):
    """POST moves one visible hit (others 404) through the service; an illegal move is a 400 naming the state."""

    permission_classes: list = [IsAuthenticated, CanConfirmHits, TrainingCurrent]
    serializer_class: type[serializers.Serializer] = HitNoteSerializer

    def perform(self, hit: Hit, data: dict) -> Hit:  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, pk: int):
        hit = get_object_or_404(hit_list_visible_to(user=request.user), pk=pk)
        client_times_refuse(request.data)  # times of record are the server's (R-HOT-4a)
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        hit = hit_list_visible_to(user=request.user).get(pk=self.perform(hit, dict(data.validated_data)).pk)
        access = access_context_from_request(request)
        if access is None:
            # The move is recorded; without a stated purpose the answer carries no plate data (R-AUD-1a) — nor the
            # free-text notes, which often quote one ("crop shows 7A8C123").
            review = {key: value for key, value in hit_review_as_dict(hit).items()
                      if not key.endswith("_note") and key != "exigent_justification"}
            return Response({"id": hit.pk, "status": hit.status, "status_label": hit.get_status_display(), **review})
        hits_log_shown(user=request.user, hits=[hit], context=access, request=request)
        return Response({**hit_as_dict(hit, user=request.user, context=access), **hit_review_as_dict(hit)})


class HitConfirmApi(_HitTransitionApi):
    """new → confirmed: how it was confirmed (dispatch, CLETS…) and the result (R-HOT-4)."""

    serializer_class = HitConfirmSerializer

    @extend_schema(request=HitConfirmSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_confirm(actor=self.request.user, hit=hit, **data)


class HitMisreadApi(_HitTransitionApi):
    """new → misread: the image does not show the listed plate; feeds the data-quality review (R-HOT-5)."""

    @extend_schema(request=HitNoteSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_mark_misread(actor=self.request.user, hit=hit, note=data["note"])


class HitNotActionableApi(_HitTransitionApi):
    """new → not actionable (vehicle gone, unit on a higher-priority call…)."""

    @extend_schema(request=HitNoteSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_mark_not_actionable(actor=self.request.user, hit=hit, note=data["note"])


class HitActionApi(_HitTransitionApi):
    """confirmed → actioned: the action taken, only after a confirmation (R-HOT-4)."""

    serializer_class = HitActionSerializer

    @extend_schema(request=HitActionSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_record_action(actor=self.request.user, hit=hit, **data)


class HitExigentApi(_HitTransitionApi):
    """new → actioned before confirmation, under exigent circumstances: the action and its justification; goes to
    the supervisors' review (R-HOT-4a)."""

    serializer_class = HitExigentSerializer

    @extend_schema(request=HitExigentSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_act_exigent(actor=self.request.user, hit=hit, **data)


class CanReviewExigent(BasePermission):
    message = "You may not review actions taken before confirmation."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("hotlists.view_hit")
                    and user.has_perm("hotlists.review_exigent_hit"))


class HitExigentReviewApi(_HitTransitionApi):
    """A supervisor's review of an exigent action: justified or not, with a note (R-HOT-4a)."""

    permission_classes = [IsAuthenticated, CanReviewExigent, TrainingCurrent]
    serializer_class = ExigentReviewSerializer

    @extend_schema(request=ExigentReviewSerializer, responses={200: dict})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, hit, data):
        return hit_exigent_review(actor=self.request.user, hit=hit, **data)


class HotListListApi(APIView):
    """The hot lists, each with whether it matches right now and why not (stale, no agreement, inactive)."""

    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    queryset = HotList.objects.none()

    @extend_schema(responses={200: dict})
    def get(self, request):
        now = timezone.now()
        rows = []
        for hot_list in hot_list_list_visible_to(user=request.user):
            state = hot_list_state(hot_list, now=now)
            version = hot_list.current_version
            rows.append({"id": hot_list.pk, "name": hot_list.name, "source": hot_list.source,
                         "agency": hot_list.agency.name if hot_list.agency else None, "active": hot_list.active,
                         "version": version.number if version else None,
                         "entries": version.entry_count if version else 0,
                         "last_refreshed_at": hot_list.last_refreshed_at, "matching": state.matching,
                         "stale": state.stale, "stale_since": state.stale_since, "reason": state.reason})
        return Response({"results": rows})


class CsvParser(BaseParser):
    media_type = "text/csv"

    @property
    def max_body_bytes(self) -> int:
        """A feed over the import's file limit is refused (413) before it is read (apps.common.api.negotiation)."""
        return imports.MAX_FILE_BYTES

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class CanManageEntries(BasePermission):
    message = "You may not change hot-list entries."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("hotlists.manage_entries"))


class HotListFeedApi(APIView):
    """An automated feed refreshes a list (R-HOT-2): POST the whole list as CSV. ``dry_run=true`` returns the
    preview (added / changed / removed, per-line errors with line numbers) and applies nothing; otherwise the file
    replaces the list atomically as a new version — refused, with nothing applied, if any line has an error, unless
    ``skip_invalid_lines=true``. A file for civil immigration enforcement is refused whole (R-HOT-6, ``file_errors``);
    entries whose reason is "other" need ``attestation=true`` (R-PURP-2)."""

    permission_classes = [IsAuthenticated, CanManageEntries, TrainingCurrent]
    parser_classes = [CsvParser, MultiPartParser]

    @extend_schema(request={"text/csv": str}, parameters=[
        OpenApiParameter("dry_run", bool), OpenApiParameter("skip_invalid_lines", bool),
        OpenApiParameter("attestation", bool, description="Required (true) when the file has entries whose reason "
                         "is “other”: the attestation that they are not based solely on protected activities or "
                         "characteristics (R-PURP-2), recorded with those entries.")],
                   responses={200: dict, 201: dict})
    def post(self, request, pk: int):
        hot_list = get_object_or_404(hot_list_list_visible_to(user=request.user), pk=pk)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        content = upload.read() if upload is not None else request.data
        if not isinstance(content, bytes) or not content:
            raise ApplicationError(FEED_BODY_REQUIRED, code="feed_body_required")
        staged = hot_list_import_preview(actor=request.user, hot_list=hot_list, content=content,
                                         filename=upload.name if upload is not None else "feed.csv")
        body = {"import_id": staged.pk, "lines": staged.line_count, "valid": len(staged.rows),
                "errors": staged.errors[:1000], "file_errors": staged.file_errors, "diff": staged.diff,
                "applied": False}
        if _flag(request.query_params.get("dry_run")):
            return Response(body)
        version = hot_list_import_apply(actor=request.user, hot_list_import=staged, kind="feed",
                                        skip_invalid_lines=_flag(request.query_params.get("skip_invalid_lines")),
                                        note=request.query_params.get("note", "")[:500] or "Automated feed.",
                                        attested=_flag(request.query_params.get("attestation")))
        body.update(applied=True, version=version.number)
        return Response(body, status=status.HTTP_201_CREATED)
