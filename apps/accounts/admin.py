from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.shortcuts import render

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_deactivate, user_reactivate, user_set_roles
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
        fields = ("username", "first_name", "last_name", "email", "agency", "job_title", "rank", "supervisor")


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
    list_display = ("username", "full_name", "agency", "job_title", "role_list", "is_active", "last_login")
    list_filter = ("is_active", "groups", "agency", "deactivation_reason")
    search_fields = ("username", "first_name", "last_name", "email")
    readonly_fields = ("last_login", "date_joined", "deactivated_at", "deactivation_reason", "deactivation_note",
                       "reactivated_at", "is_active", "is_staff")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "agency", "job_title", "rank", "supervisor")}),
        ("Roles", {"fields": ("roles",)}),
        ("Status", {"fields": ("is_active", "is_staff", "deactivated_at", "deactivation_reason",
                               "deactivation_note", "reactivated_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "agency", "job_title", "rank", "supervisor")}),
        ("Roles", {"fields": ("roles",)}),
    )
    actions = ["deactivate_selected", "reactivate_selected", "record_training_completion"]

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
