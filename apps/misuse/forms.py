from django import forms

from apps.audits.violations import violation_supervisors
from apps.misuse.choices import FlagStatus


class FlagResolveForm(forms.Form):
    finding = forms.ChoiceField(choices=[(FlagStatus.JUSTIFIED, "Justified: the searches were necessary for the case"),
                                         (FlagStatus.NOT_JUSTIFIED, "Not justified: report it as a violation")],
                                widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What you found")
    report_to = forms.ModelChoiceField(queryset=None, required=False,
                                       label="Violation report goes to (sergeant or higher, if not justified)")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report_to"].queryset = violation_supervisors(exclude=actor)
        if actor is not None and actor.supervisor_id and actor.supervisor.is_sergeant_or_higher:
            self.fields["report_to"].initial = actor.supervisor_id


class OverrideForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label="Team member")
    case_number = forms.CharField(max_length=64)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Why this number may be used although the records system does not confirm it.")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = actor.direct_reports.filter(is_active=True).order_by("username")
