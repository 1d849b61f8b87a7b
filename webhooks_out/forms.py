from django import forms

from rules.destinations import UnsafeDestination, check_destination

from .models import Event, Subscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ["url", "events"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            return check_destination(url)  # the rules' SSRF guard: public https hosts only
        except UnsafeDestination as exc:
            raise forms.ValidationError(str(exc)) from None
