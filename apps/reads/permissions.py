"""API permissions of the reads capability."""

from rest_framework.permissions import BasePermission


class CanQueryReads(BasePermission):
    """R-READ-3: searching reads needs ``reads.query_reads`` (investigators, supervisors, administrators)."""

    message = "You may not search reads."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("reads.query_reads"))


class CanCorrectReads(BasePermission):
    message = "You may not correct reads."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("reads.correct_read"))
