"""Admins' pages for people: invite by e-mail, change role and teams, deactivate (never
delete: their replies, notes and audit rows keep their author), and what each role may do.

An invitation is a user with no usable password and a one-time link; Django's password
reset tokens make the link, so it stops working once the password is set (the token
covers the password hash) or after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.http import require_POST

from audit.log import record, snapshot

from .forms import InviteForm, PersonForm, RolePermissionsForm
from .models import User
from .permissions import require_admin, role_rows


def _person_snapshot(user: User) -> dict:
    return snapshot(user, extra={"teams": sorted(t.name for t in user.teams.all())})


def invite_link(request: HttpRequest, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:invite_accept", args=[uid, token]))


def send_invitation(request: HttpRequest, user: User) -> None:
    inviter = getattr(request.user, "display_name", "")  # only managers reach this
    send_mail(
        subject="You are invited to Switchboard",
        message=(
            f"Hello {user.first_name or user.username},\n\n{inviter} invited you to "
            f"Switchboard as {user.get_role_display().lower()}. Your username is "
            f"{user.username}. Choose your password here:\n\n{invite_link(request, user)}\n\n"
            "The link works once, for a few days."
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def people(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = User(
                username=data["username"],
                email=data["email"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            user.set_unusable_password()
            user.save()
            user.teams.set(data["teams"])
            record(actor=request.user, verb="invited", target=user, after=_person_snapshot(user))
        send_invitation(request, user)
        messages.success(request, f"Invited {user.email}; the link is on its way.")
        return redirect("accounts:people")
    users = User.objects.prefetch_related("teams").order_by("-is_active", "username")
    return render(request, "settings/people.html", {"form": form, "people": users})


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    person = get_object_or_404(User, pk=pk)
    before = _person_snapshot(person)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                actor=request.user,
                verb="changed",
                target=person,
                before=before,
                after=_person_snapshot(person),
            )
        messages.success(request, f"Saved {person.display_name}.")
        return redirect("accounts:people")
    return render(request, "settings/person_edit.html", {"form": form, "person": person})


def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks before deactivating: what the person loses, and that it can be undone. Its form
    posts to person_active; this page changes nothing."""
    require_admin(request)
    person = get_object_or_404(User, pk=pk, is_active=True)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot deactivate yourself.")
        return redirect("accounts:people")
    name = person.display_name
    assigned = person.assigned_conversations.exclude(state="closed").count()
    consequences = [
        f"{name} can no longer log in, and is signed out at once. Their replies, notes and "
        "audit entries keep their name; nothing is deleted.",
        "Reactivate on the People page lets them log in again.",
    ]
    if assigned:
        consequences.insert(
            1,
            f"{assigned} conversation{'s' if assigned != 1 else ''} not yet closed "
            f"{'stay' if assigned != 1 else 'stays'} assigned to {name}: reassign "
            f"{'them' if assigned != 1 else 'it'} if they need an answer.",
        )
    return render(
        request,
        "settings/confirm.html",
        {
            "object": name,
            "verb": "Deactivate",
            "consequences": consequences,
            "action": reverse("accounts:person_active", args=[person.pk]),
            "hidden": {"active": "0"},
            "form_id": "confirm-deactivate",
            "cancel_url": reverse("accounts:people"),
        },
    )


@require_POST
def person_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate. A deactivated person cannot log in; sessions end at once
    (the auth backend refuses inactive users on every request)."""
    require_admin(request)
    person = get_object_or_404(User, pk=pk)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot deactivate yourself.")
        return redirect("accounts:people")
    active = request.POST.get("active") == "1"
    if person.is_active != active:
        person.is_active = active
        person.save(update_fields=["is_active"])
        record(
            actor=request.user,
            verb="reactivated" if active else "deactivated",
            target=person,
            changes={"is_active": [not active, active]},
        )
    messages.success(request, f"{person.display_name} is {'active' if active else 'deactivated'}.")
    return redirect("accounts:people")


@require_POST
def person_reinvite(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    person = get_object_or_404(User, pk=pk, is_active=True)
    if person.has_usable_password():
        messages.error(request, f"{person.display_name} has already chosen a password.")
    else:
        send_invitation(request, person)
        record(actor=request.user, verb="invited again", target=person, changes={})
        messages.success(request, f"Sent the invitation to {person.email} again.")
    return redirect("accounts:people")


@login_not_required
def invite_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "registration/invite_accept.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(actor=user, verb="joined", target=user, changes={"password": [None, "(set)"]})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.display_name}.")
        return redirect("inbox:inbox")
    return render(request, "registration/invite_accept.html", {"form": form, "person": user})


def roles(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    rows = role_rows()
    forms = [
        RolePermissionsForm(request.POST or None, instance=row, prefix=row.role) for row in rows
    ]
    if request.method == "POST" and all(f.is_valid() for f in forms):
        with transaction.atomic():
            for form in forms:
                before = snapshot(form.instance) if form.instance.pk else {}
                created = form.instance.pk is None
                form.save()
                if form.has_changed() or created:
                    record(
                        actor=request.user,
                        verb="changed",
                        target=form.instance,
                        target_kind="role",
                        before=before
                        or {"role": form.instance.role, "may_delete_platform_items": True},
                    )
        messages.success(request, "Saved what each role may do.")
        return redirect("accounts:roles")
    return render(request, "settings/roles.html", {"forms": forms})
