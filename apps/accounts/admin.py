from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.mfa_devices import mfa_reset
from apps.accounts.models import AlprAdministratorDesignation, BackgroundCheck, User
from apps.accounts.roles import INTERNAL_ROLES, Role
from apps.accounts.services import (
    BACKGROUND_CHECK_IN_FUTURE,
    BACKGROUND_CHECK_OWN,
    alpr_administrator_designate,
    background_check_record,
    user_deactivate,
    user_reactivate,
    user_set_roles,
)
from apps.common.errors import ApplicationError
from apps.training.models import Course
from apps.training.services import training_records_create_bulk


class RolesFormMixin(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Roles decide what the person may see and do (R-ACC-1). Custodians and administrators get "
        "access to this admin site.",
    )


class PortalUserChangeForm(RolesFormMixin, UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)


class PortalUserCreationForm(RolesFormMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "agency", "job_title", "affiliation", "rank",
                  "supervisor")


class RoleListFilter(admin.SimpleListFilter):
    """Filter people by role, named as people say it — not by the raw groups behind roles and object permissions
    (``disclosures:agency:2`` is a partner agency's permission group, not something anyone should filter by)."""

    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value())
        return queryset


def supervisor_choices(*, agency_id):
    """Who may be named someone's supervisor: active staff of that agency (never a partner's or oversight account,
    never another agency's people)."""
    return (User.objects.filter(is_active=True, agency_id=agency_id, groups__name__in=INTERNAL_ROLES)
            .distinct().order_by("last_name", "first_name", "username"))


class RecordTrainingForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.filter(active=True))
    completed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    instructor = forms.CharField(max_length=200)


@admin.register(User)
class PortalUserAdmin(AuditlogHistoryAdminMixin, UserAdmin):
    """People. Never deleted (deactivate instead); roles and status change through the account services."""

    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    show_auditlog_history_link = True
    list_display = ("username", "full_name", "agency", "job_title", "affiliation", "role_list", "background_check",
                    "is_active", "last_login")
    list_filter = ("is_active", RoleListFilter, "agency", "affiliation", "deactivation_reason")
    search_fields = ("username", "first_name", "last_name", "email")
    readonly_fields = ("last_login", "date_joined", "deactivated_at", "deactivation_reason", "deactivation_note",
                       "reactivated_at", "is_active", "is_staff", "background_checks_on_record")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "agency", "job_title", "affiliation", "rank",
                               "supervisor")}),
        ("Roles", {"fields": ("roles",)}),
        ("Background check (R-ACC-6)", {"fields": ("background_checks_on_record",)}),
        ("Status", {"fields": ("is_active", "is_staff", "deactivated_at", "deactivation_reason",
                               "deactivation_note", "reactivated_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "agency", "job_title", "affiliation", "rank",
                               "supervisor")}),
        ("Roles", {"fields": ("roles",)}),
    )
    actions = ["deactivate_selected", "reactivate_selected", "record_training_completion", "record_background_check",
               "reset_mfa"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "supervisor" in form.base_fields:
            agency_id = obj.agency_id if obj is not None else request.user.agency_id
            field = form.base_fields["supervisor"]
            field.queryset = supervisor_choices(agency_id=agency_id).exclude(pk=getattr(obj, "pk", None))
            field.label_from_instance = lambda person: (
                f"{person.get_full_name() or person.username}" + (f" — {person.job_title}" if person.job_title else ""))
            field.help_text = "Active staff of this person's agency."
        return form

    @admin.display(description="Background check")
    def background_check(self, obj):
        latest = obj.background_checks.order_by("-completed_on").first()
        return f"{latest.completed_on:%Y-%m-%d}" if latest else "—"

    @admin.display(description="Background checks on record")
    def background_checks_on_record(self, obj):
        checks = list(obj.background_checks.select_related("recorded_by")) if obj.pk else []
        if not checks:
            return "None on record: this person cannot query read data while the agency requires one."
        return "; ".join(f"completed {check.completed_on:%Y-%m-%d}, recorded by {check.recorded_by}"
                         + (f" (ref. {check.reference})" if check.reference else "") for check in checks)

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description="Roles")
    def role_list(self, obj):
        return ", ".join(obj.role_labels)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            user_set_roles(actor=request.user, user=form.instance, roles=form.cleaned_data["roles"])

    @admin.action(description="Deactivate the selected people (history is kept)", permissions=["change"])
    def deactivate_selected(self, request, queryset):
        for person in queryset:
            try:
                user_deactivate(actor=request.user, user=person, note=f"Deactivated in the admin by {request.user}.")
            except ApplicationError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(request, f"Deactivated {person}.", messages.SUCCESS)

    @admin.action(description="Reactivate the selected people", permissions=["change"])
    def reactivate_selected(self, request, queryset):
        for person in queryset:
            try:
                user_reactivate(actor=request.user, user=person, note=f"Reactivated in the admin by {request.user}.")
            except ApplicationError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(request, f"Reactivated {person}.", messages.SUCCESS)

    @admin.action(description="Record a training completion for the selected people")
    def record_training_completion(self, request, queryset):
        if not request.user.has_perm("training.add_trainingrecord"):
            self.message_user(request, "You may not record training completions.", messages.ERROR)
            return None
        form = RecordTrainingForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                created, skipped = training_records_create_bulk(actor=request.user, people=list(queryset),
                                                                **form.cleaned_data)
            except Exception as error:  # a ValidationError from the service: show it, change nothing
                self.message_user(request, "; ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                return None
            self.message_user(request, f"Recorded {len(created)} completion(s) of {form.cleaned_data['course']}.",
                              messages.SUCCESS)
            for message in skipped:
                self.message_user(request, message, messages.WARNING)
            return None
        return render(request, "admin/training/record_completion.html", {
            **self.admin_site.each_context(request), "title": "Record a training completion",
            "form": form, "people": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Reset the multi-factor authentication of the selected people", permissions=["change"])
    def reset_mfa(self, request, queryset):
        """Issue #22: a person who lost their phone, key and recovery codes enrols again; audited and notified."""
        form = ResetMfaForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for person in queryset:
                try:
                    removed = mfa_reset(actor=request.user, person=person, reason=form.cleaned_data["reason"])
                except ApplicationError as error:
                    self.message_user(request, f"{person}: {error}", messages.ERROR)
                else:
                    self.message_user(request, f"Reset the MFA of {person} ({removed} factor(s) removed); "
                                      "they were notified.", messages.SUCCESS)
            return None
        return render(request, "admin/accounts/reset_mfa.html", {
            **self.admin_site.each_context(request), "title": "Reset multi-factor authentication",
            "form": form, "people": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Record a completed background check for the selected people")
    def record_background_check(self, request, queryset):
        if not request.user.has_perm("accounts.add_backgroundcheck"):
            self.message_user(request, "You may not record background checks.", messages.ERROR)
            return None
        form = RecordBackgroundCheckForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for person in queryset:
                try:
                    background_check_record(actor=request.user, person=person, **form.cleaned_data)
                except ApplicationError as error:
                    self.message_user(request, f"{person}: {error}", messages.ERROR)
                else:
                    self.message_user(request, f"Recorded the background check of {person}.", messages.SUCCESS)
            return None
        return render(request, "admin/training/record_completion.html", {
            **self.admin_site.each_context(request), "title": "Record a completed background check",
            "form": form, "people": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action_name": "record_background_check",
        })


class ResetMfaForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Recorded in the audit events and sent to each person, e.g. “Lost phone, "
                             "identity checked in person by Sgt. Diaz”.")


class RecordBackgroundCheckForm(forms.Form):
    completed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=120, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class BackgroundCheckAddForm(forms.ModelForm):
    class Meta:
        model = BackgroundCheck
        fields = ("person", "completed_on", "reference", "notes")


@admin.register(BackgroundCheck)
class BackgroundCheckAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """R-ACC-6: completed background checks, written only by ``background_check_record`` (never by the person
    themself) and never changed afterwards."""

    form = BackgroundCheckAddForm
    list_display = ("person", "completed_on", "reference", "recorded_by", "recorded_at")
    search_fields = ("person__username", "person__last_name", "reference")
    autocomplete_fields = ("person",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("person", "completed_on", "reference", "notes", "recorded_by", "recorded_at")
        return ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        check = background_check_record(actor=request.user, person=data["person"], completed_on=data["completed_on"],
                                        reference=data.get("reference", ""), notes=data.get("notes", ""))
        obj.pk = check.pk
        obj._state.adding = False
        obj.recorded_by = check.recorded_by

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        def clean(form_self, _actor=request.user):
            cleaned = forms.ModelForm.clean(form_self)
            person, completed_on = cleaned.get("person"), cleaned.get("completed_on")
            if person is not None and person.pk == _actor.pk:
                raise forms.ValidationError(BACKGROUND_CHECK_OWN)
            if completed_on is not None and completed_on > timezone.localdate():
                raise forms.ValidationError(BACKGROUND_CHECK_IN_FUTURE)
            return cleaned

        form.clean = clean
        return form


class AlprAdministratorDesignationForm(forms.ModelForm):
    class Meta:
        model = AlprAdministratorDesignation
        fields = ("agency", "person", "title", "effective_from", "notes")


@admin.register(AlprAdministratorDesignation)
class AlprAdministratorDesignationAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """R-ADM-1: designating a new ALPR Administrator ends the previous designation the day before; the history is
    kept and read-only. The current one is named on /transparency/ and receives damage reports, out-of-service
    reports and security alerts."""

    form = AlprAdministratorDesignationForm
    list_display = ("person", "title", "agency", "effective_from", "effective_until", "designated_by")
    list_filter = ("agency",)
    autocomplete_fields = ("person",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("agency", "person", "title", "effective_from", "effective_until", "notes", "designated_by",
                    "designated_at")
        return ()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        def clean(form_self, _actor=request.user):
            cleaned = forms.ModelForm.clean(form_self)
            if all(cleaned.get(name) for name in ("agency", "person", "title", "effective_from")):
                # Run the service's checks in a savepoint that is rolled back, so a refusal is a form error.
                from django.db import transaction

                try:
                    with transaction.atomic():
                        alpr_administrator_designate(actor=_actor, **{k: cleaned[k] for k in (
                            "agency", "person", "title", "effective_from")}, notes=cleaned.get("notes", ""))
                        transaction.set_rollback(True)
                except ApplicationError as error:
                    raise forms.ValidationError(str(error)) from error
            return cleaned

        form.clean = clean
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        designation = alpr_administrator_designate(actor=request.user, agency=data["agency"], person=data["person"],
                                                   title=data["title"], effective_from=data["effective_from"],
                                                   notes=data.get("notes", ""))
        obj.pk = designation.pk
        obj._state.adding = False


# The second factors are managed through the portal's own pages and the audited reset above (issue #22), never by
# editing django-otp's rows in the admin (that would skip the audit event and the person's notification).
for _otp_model in ("otp_totp.TOTPDevice", "otp_static.StaticDevice"):
    from django.apps import apps as _apps

    _model = _apps.get_model(_otp_model)
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


# API tokens (R-SEC-2, R-ACC-3). DRF's own admin let an administrator create a token for ANY person and listed every
# key, so an administrator could query plate data as someone else, past their password and second factor, under their
# name in the access log. Here a token is issued only to oneself, its key is shown once, and keys are never listed.
from rest_framework.authtoken.admin import TokenAdmin as _DrfTokenAdmin  # noqa: E402
from rest_framework.authtoken.models import TokenProxy  # noqa: E402

from apps.accounts.services import api_token_issue, api_token_revoke  # noqa: E402

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class PortalTokenAdmin(_DrfTokenAdmin):
    list_display = ("user", "created")
    readonly_fields = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(pk=request.user.pk)
            kwargs["help_text"] = ("A token acts as its owner: you may create only your own. Others create theirs "
                                   "while signed in with their second factor.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            token = api_token_issue(actor=request.user, user=obj.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.key, obj.created = token.key, token.created
        self.message_user(request, f"Your API token (shown once, copy it now): {token.key}", messages.WARNING)

    def delete_model(self, request, obj):
        api_token_revoke(actor=request.user, user=obj.user)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            api_token_revoke(actor=request.user, user=token.user)
