"""The managers' forms for what the inbox owns: saved replies and tags.

Shown by the settings section's list-and-edit pages (`accounts.views.register_managed`).
"""

from __future__ import annotations

from django import forms

from .models import SavedReply, Tag
from .saved_replies import VARIABLES


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "shortcut", "body", "scope", "owner", "team", "handoff"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"body": "Variables: " + ", ".join("{" + v + "}" for v in VARIABLES)}

    def clean(self):
        data = super().clean()
        if data.get("scope") == "personal" and not data.get("owner"):
            self.add_error("owner", "A personal reply needs its owner.")
        if data.get("scope") == "team" and not data.get("team"):
            self.add_error("team", "A team reply needs its team.")
        return data


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def clean_color(self):
        color = self.cleaned_data["color"]
        if not (
            len(color) == 7
            and color.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in color[1:])
        ):
            raise forms.ValidationError("Use a colour like #1f7a4d.")
        return color
