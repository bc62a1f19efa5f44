from django import forms

from apps.audits.choices import ConfidenceLevel, Finding, Stratification


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


class SampleReviewForm(forms.Form):
    finding = forms.ChoiceField(choices=[c for c in Finding.choices if c[0] != Finding.PENDING])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
