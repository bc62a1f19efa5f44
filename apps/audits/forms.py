from django import forms

from apps.audits.choices import ConfidenceLevel, Finding, Stratification, ViolationKind, ViolationOutcome


class CampaignCreateForm(forms.Form):
    title = forms.CharField(max_length=200)
    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    stratification = forms.ChoiceField(choices=Stratification.choices, initial=Stratification.NONE)
    requested_size = forms.IntegerField(
        min_value=1, required=False, label="Sample size",
        help_text="Leave empty to compute it from the confidence level and margin of error.",
    )
    confidence_level = forms.TypedChoiceField(choices=ConfidenceLevel.choices, coerce=int, initial=95, required=False)
    margin_of_error = forms.DecimalField(min_value=0.5, max_value=25, decimal_places=1, initial=5, required=False,
                                         label="Margin of error (%)")
    seed = forms.CharField(max_length=64, required=False,
                           help_text="Leave empty for a new random seed; give a recorded seed to redraw a sample.")
    risk_weighted = forms.BooleanField(
        required=False, initial=True, label="Risk-weighted",
        help_text="Over-sample searches without a plate, repeated look-ups of one plate by one person and queries "
                  "outside the person's shift (R-PURP-2, R-AUD-3a). The draw stays reproducible from the seed.",
    )


class SampleReviewForm(forms.Form):
    finding = forms.ChoiceField(choices=[c for c in Finding.choices if c[0] != Finding.PENDING])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class InspectionForm(forms.Form):
    """R-AUD-3a: the inspector's note on the audit-trail inspection the portal runs."""

    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Inspector's note")
    unannounced = forms.BooleanField(required=False, label="Unannounced (random) inspection")


class ViolationReportForm(forms.Form):
    """R-AUD-4: what happened, and which sergeant-or-higher supervisor receives it."""

    kind = forms.ChoiceField(choices=ViolationKind.choices, label="What are you reporting?")
    supervisor = forms.ModelChoiceField(queryset=None, label="Send to (sergeant or higher, or manager)")
    occurred_on = forms.DateField(required=False, label="When it happened (if known)",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="What happened")

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].label_from_instance = lambda person: (
            f"{person.get_full_name() or person.username} — {person.get_rank_display()}")


class ViolationCloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=ViolationOutcome.choices)
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What was found and done")
