from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from . import throttle
from .models import Role, RolePermissions, Team, User


class SignatureForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["signature"]
        widgets = {"signature": forms.Textarea(attrs={"rows": 3})}


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "members", "timezone"]
        widgets = {"members": forms.CheckboxSelectMultiple}


class ThrottledLoginMixin:
    """Refuses sign-in while the username or the address is throttled (accounts/throttle.py),
    before the password is even checked, and counts each wrong password."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if throttle.is_locked(self.request, username):
            self.throttled = True
            raise forms.ValidationError(throttle.message(), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                throttle.record_failure(self.request, username)
            raise
        throttle.clear(username)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class InviteForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="For logging in; empty: the part of the e-mail before @.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone with this e-mail is already here.")
        return email

    def clean(self):
        data = super().clean()
        if data.get("email"):
            username = (data.get("username") or data["email"].split("@")[0]).strip()
            try:
                User.username_validator(username)
            except forms.ValidationError:
                self.add_error("username", "Letters, digits and @ . + - _ only.")
                return data
            if User.objects.filter(username__iexact=username).exists():
                self.add_error("username", f"The username {username!r} is taken; choose another.")
            data["username"] = username
        return data


class PersonForm(forms.ModelForm):
    """What an admin changes about someone: name, e-mail, role and teams."""

    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "email",
            "role",
            "is_available",
            "max_open_conversations",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["teams"] = list(self.instance.teams.all())

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            user.teams.set(self.cleaned_data["teams"])
        return user


class RolePermissionsForm(forms.ModelForm):
    class Meta:
        model = RolePermissions
        fields = ["may_delete_platform_items"]
        labels = {"may_delete_platform_items": "May delete comments and messages on the platform"}
