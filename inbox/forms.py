"""Forms agents fill in outside the composer."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from .models import Contact

# Digits with the usual separators and an optional leading +: enough to call back, without
# guessing every country's format.
PHONE = RegexValidator(
    r"^\+?[0-9][0-9 ().\-/]{4,28}[0-9]$", "Enter a phone number: digits, spaces, + ( ) - . /"
)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "phone", "order_number"]
        labels = {"order_number": "Order"}

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone:
            PHONE(phone)
        return phone

    def clean_order_number(self):
        # "#A-1042" and "a-1042" are the same order to an agent.
        return self.cleaned_data["order_number"].strip().lstrip("#")
