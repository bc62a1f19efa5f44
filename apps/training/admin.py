from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.common.errors import ApplicationError
from apps.training.models import Course, TrainingRecord
from apps.training.services import training_record_check, training_record_create


@admin.register(Course)
class CourseAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Courses and their subjects. Only a course covering all three subjects counts toward the gate (R-ACC-2a)."""

    show_auditlog_history_link = True
    list_display = ("title", "code", "kind", "covers_sb34", "covers_sb54", "covers_agency_policy", "counts",
                    "required_by", "active")
    list_filter = ("kind", "active")
    fieldsets = (
        (None, {"fields": ("code", "title", "kind", "active")}),
        ("Subjects (all three are needed for the course to count toward the training gate, R-ACC-2a)",
         {"fields": ("covers_sb34", "covers_sb54", "covers_agency_policy")}),
        ("Required of everyone", {"fields": ("required_by",)}),
    )

    @admin.display(boolean=True, description="Counts toward training")
    def counts(self, obj):
        return obj.counts_toward_training

    def has_delete_permission(self, request, obj=None):
        return False


class TrainingRecordAddForm(forms.ModelForm):
    """The admin's add form runs the service's own checks (not yourself, not in the future, not twice) so a refusal
    is a form error, and the record is then written by ``training_record_create`` (R-ACC-2a)."""

    class Meta:
        model = TrainingRecord
        fields = ("person", "course", "completed_on", "instructor", "certificate", "notes")

    def clean(self):
        cleaned = super().clean()
        person, course, completed_on = (cleaned.get(name) for name in ("person", "course", "completed_on"))
        if person and course and completed_on:
            try:
                training_record_check(actor=self.actor, person=person, course=course, completed_on=completed_on)
            except (ApplicationError, ValidationError) as error:
                raise ValidationError(getattr(error, "messages", None) or str(error)) from error
        return cleaned


@admin.register(TrainingRecord)
class TrainingRecordAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Completions are recorded here one by one, or for many people at once from the People list action.

    A record is written only through ``training_record_create`` (nobody records their own completion, R-ACC-2a) and
    never changed afterwards: the change page is read-only, so ``completed_on`` cannot be rewritten."""

    show_auditlog_history_link = True
    form = TrainingRecordAddForm
    list_display = ("person", "course", "completed_on", "instructor", "recorded_by")
    list_filter = ("course", "completed_on")
    search_fields = ("person__username", "person__last_name", "instructor")
    autocomplete_fields = ("person",)
    readonly_fields = ("recorded_by", "recorded_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("person", "course", "completed_on", "instructor", "certificate", "notes", "recorded_by",
                    "recorded_at")
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible (view permission); saving a change never is.
        return False

    def save_model(self, request, obj, form, change):
        if change:  # unreachable through the UI (read-only); refuse rather than bypass the service
            raise ValidationError("Training records cannot be changed.")
        data = form.cleaned_data
        record = training_record_create(
            actor=request.user, person=data["person"], course=data["course"], completed_on=data["completed_on"],
            instructor=data["instructor"], certificate=data.get("certificate") or None, notes=data.get("notes", ""),
        )
        # The admin goes on to log the addition and redirect with ``obj``: make it the row the service wrote.
        obj.pk = record.pk
        obj._state.adding = False
        obj.recorded_by = record.recorded_by
        obj.recorded_at = record.recorded_at

    def has_delete_permission(self, request, obj=None):
        return False
