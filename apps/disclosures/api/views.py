"""API of the partner requester (R-SHR-3, R-ACC-4): the same as the pages. Another agency's request is a 404."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListCreateAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api.parsers import PortalJSONParser
from apps.common.downloads import download_filename
from apps.disclosures.api.serializers import (
    DisclosureRequestInputSerializer,
    DisclosureRequestOutputSerializer,
    InfoResponseInputSerializer,
    StaffEnteredRequestInputSerializer,
    StaffEnteredRequestOutputSerializer,
)
from apps.disclosures.choices import AttachmentKind, DisclosureStatus
from apps.disclosures.links import package_link_valid
from apps.disclosures.models import DisclosureRequest, ReleasePackage
from apps.disclosures.packages import release_package_download_open
from apps.disclosures.permissions import CanFileDisclosureRequests
from apps.disclosures.selectors import disclosure_request_list_visible_to
from apps.disclosures.services.partners import partner_access_sync
from apps.disclosures.services.submission import (
    disclosure_request_enter_written,
    disclosure_request_respond,
    disclosure_request_submit,
)
from apps.training.gate import TrainingCurrent

LINK_EXPIRED = "The download link has expired or is not yours; get a fresh one from the request."


class PartnerApiMixin:
    permission_classes = [IsAuthenticated, CanFileDisclosureRequests]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        partner_access_sync(user=request.user)

    def visible(self):
        return disclosure_request_list_visible_to(user=self.request.user).select_related("package")


class DisclosureRequestListCreateApi(PartnerApiMixin, ListCreateAPIView):
    """GET: your agency's requests. POST (JSON or multipart with attachments): file a written request."""

    serializer_class = DisclosureRequestOutputSerializer
    parser_classes = [MultiPartParser, FormParser, PortalJSONParser]
    queryset = DisclosureRequest.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.visible()

    @extend_schema(request=DisclosureRequestInputSerializer, responses={201: DisclosureRequestOutputSerializer})
    def post(self, request, *args, **kwargs):
        data = DisclosureRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        attachments = [(AttachmentKind.JUDICIAL_WARRANT, values.pop("judicial_warrant")),
                       (AttachmentKind.COURT_ORDER, values.pop("court_order")),
                       (AttachmentKind.SUPPORTING, values.pop("supporting_document"))]
        created = disclosure_request_submit(actor=request.user, attachments=[a for a in attachments if a[1]],
                                            **values)
        body = DisclosureRequestOutputSerializer(created, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DisclosureRequestDetailApi(PartnerApiMixin, APIView):
    @extend_schema(responses=DisclosureRequestOutputSerializer)
    def get(self, request, pk: int):
        item = get_object_or_404(self.visible(), pk=pk)
        return Response(DisclosureRequestOutputSerializer(item, context={"request": request}).data)


class DisclosureRequestRespondApi(PartnerApiMixin, APIView):
    parser_classes = [MultiPartParser, FormParser, PortalJSONParser]

    @extend_schema(request=InfoResponseInputSerializer, responses=DisclosureRequestOutputSerializer)
    def post(self, request, pk: int):
        item = get_object_or_404(self.visible(), pk=pk)
        data = InfoResponseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = disclosure_request_respond(
            actor=request.user, disclosure_request=item, message=data.validated_data["message"],
            attachments=[(AttachmentKind.INFO_RESPONSE, data.validated_data["document"]),
                         (AttachmentKind.JUDICIAL_WARRANT, data.validated_data["judicial_warrant"])])
        return Response(DisclosureRequestOutputSerializer(updated, context={"request": request}).data)


class ReleasePackageDownloadApi(PartnerApiMixin, APIView):
    """The release package (zip). ALPR data: training must be current (R-ACC-2), the signed link must be yours and
    fresh, and the download is written to the access log first."""

    permission_classes = [IsAuthenticated, CanFileDisclosureRequests, TrainingCurrent]

    @extend_schema(parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True)],
                   responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        item = get_object_or_404(self.visible(), pk=pk)
        package = ReleasePackage.objects.filter(request=item).first()
        if package is None or not package.ready or item.status != DisclosureStatus.RELEASED:
            raise Http404
        if not package_link_valid(token=request.query_params.get("token", ""), package=package, user=request.user):
            raise PermissionDenied(LINK_EXPIRED)
        # R-SHR-8: eligibility re-checked now; a refusal is a 403 with code release_no_longer_eligible and reasons.
        handle = release_package_download_open(user=request.user, package=package, request=request)
        return FileResponse(handle, as_attachment=True, filename=download_filename(f"{item.reference}.zip"),
                            content_type="application/zip")


class CanEnterWrittenRequests(BasePermission):
    """R-SHR-9: records staff (custodian of records, system administrator)."""

    message = "Only records staff may enter written requests that arrived on paper or by e-mail."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm("disclosures.enter_disclosurerequest"))


class StaffEnteredRequestApi(APIView):
    """POST (multipart): enter a written request that arrived on paper or by e-mail, with the document (R-SHR-9).
    It waits for the custodian's review; whoever entered it can never authorize it."""

    permission_classes = [IsAuthenticated, CanEnterWrittenRequests]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=StaffEnteredRequestInputSerializer, responses={201: StaffEnteredRequestOutputSerializer})
    def post(self, request):
        from apps.agencies.models import Agency

        data = StaffEnteredRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["agency"] = Agency.objects.filter(pk=values["agency"]).first()
        attachments = [(AttachmentKind.JUDICIAL_WARRANT, values.pop("judicial_warrant")),
                       (AttachmentKind.COURT_ORDER, values.pop("court_order")),
                       (AttachmentKind.SUPPORTING, values.pop("supporting_document"))]
        created = disclosure_request_enter_written(actor=request.user, attachments=[a for a in attachments if a[1]],
                                                   **values)
        return Response(StaffEnteredRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED)
