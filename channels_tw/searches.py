"""The managers' page for an X account's named searches, with the query X will receive.

The searches live in `channel.config["searches"]` (channels_tw/polling.py reads them): a name,
phrases, hashtags, URLs and exclusions, each written as a comma-separated list here. Every
save is written to the audit log with the old and new lists.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.log import record
from inbox.access import require_manager
from inbox.models import Channel

from . import conf
from .polling import build_query

LISTS = ("phrases", "hashtags", "urls", "exclude")
EXTRA_ROWS = 1


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class SearchForm(forms.Form):
    name = forms.CharField(
        max_length=64, required=False, help_text="Matches are tagged with it; rules can test it."
    )
    phrases = forms.CharField(required=False, help_text="The brand's name, without the @.")
    hashtags = forms.CharField(required=False, help_text="With or without the #.")
    urls = forms.CharField(required=False, label="URLs", help_text="Links to your site.")
    exclude = forms.CharField(
        required=False, label="Exclusions", help_text="Words or phrases a match must not contain."
    )

    def search(self) -> dict:
        """The entry as polling.py reads it; {} when the row is empty."""
        data = self.cleaned_data
        entry = {"name": data.get("name", "").strip()}
        for key in LISTS:
            values = _split(data.get(key, ""))
            if values:
                entry[key] = values
        return entry if any(k in entry for k in ("phrases", "hashtags", "urls")) else {}

    def clean(self):
        data = super().clean()
        has_terms = any(_split(data.get(k, "")) for k in ("phrases", "hashtags", "urls"))
        if not has_terms and (data.get("name") or _split(data.get("exclude", ""))):
            raise forms.ValidationError("Give at least one phrase, hashtag or URL to search for.")
        if has_terms and not (data.get("name") or "").strip():
            self.add_error("name", "Name the search; matches are tagged with its name.")
        return data


SearchFormSet = forms.formset_factory(SearchForm, extra=EXTRA_ROWS, can_delete=True)


def _initial(search: dict) -> dict:
    return {
        "name": search.get("name", ""),
        **{key: ", ".join(str(v) for v in search.get(key, [])) for key in LISTS},
    }


def _preview(entry: dict, handle: str) -> dict:
    query = build_query(entry, handle) if entry else ""
    return {
        "name": entry.get("name", ""),
        "query": query,
        "length": len(query),
        "too_long": len(query) > conf.MAX_QUERY_LENGTH,
    }


def _previews(formset, handle: str) -> list[dict]:
    return [
        _preview(
            form.search() if form.is_valid() and not form.cleaned_data.get("DELETE") else {}, handle
        )
        for form in formset.forms
    ]


def _validated(formset, handle: str) -> list[dict] | None:
    """The searches to store, or None (errors are on the forms)."""
    if not formset.is_valid():
        return None
    found, names = [], set()
    for form in formset.forms:
        if form.cleaned_data.get("DELETE"):
            continue
        entry = form.search()
        if not entry:
            continue
        if entry["name"].casefold() in names:
            form.add_error("name", "Two searches have this name.")
            return None
        names.add(entry["name"].casefold())
        if len(build_query(entry, handle)) > conf.MAX_QUERY_LENGTH:
            form.add_error(
                None,
                f"The query is longer than X's {conf.MAX_QUERY_LENGTH} "
                "characters; split it into two searches.",
            )
            return None
        found.append(entry)
    return found


def searches(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request)
    accounts = Channel.objects.filter(kind="x").order_by("name")
    channel = get_object_or_404(accounts, pk=pk) if pk else accounts.first()
    if channel is None:
        return render(request, "channels_tw/searches.html", {"accounts": accounts})
    saved = channel.config.get("searches", [])
    formset = SearchFormSet(request.POST or None, initial=[_initial(s) for s in saved])
    if request.method == "POST":
        new = _validated(formset, channel.handle)
        if new is not None:
            with transaction.atomic():
                channel = Channel.objects.select_for_update().get(pk=channel.pk)
                old = channel.config.get("searches", [])
                channel.config = {**channel.config, "searches": new}
                channel.save(update_fields=["config"])
                record(
                    actor=request.user,
                    verb="changed",
                    target=channel,
                    target_kind="x_searches",
                    changes={"searches": [old, new]} if old != new else {},
                )
            messages.success(request, f"Saved the searches of {channel.name}.")
            return redirect("channels_tw:searches_of", pk=channel.pk)
    previews = (
        _previews(formset, channel.handle)
        if formset.is_bound
        else [_preview(s, channel.handle) for s in saved]
    )
    return render(
        request,
        "channels_tw/searches.html",
        {
            "accounts": accounts,
            "channel": channel,
            "formset": formset,
            "previews": previews,
            "max_length": conf.MAX_QUERY_LENGTH,
        },
    )


@require_POST
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The queries as the form now describes them (htmx, while typing)."""
    require_manager(request)
    channel = get_object_or_404(Channel, pk=pk, kind="x")
    formset = SearchFormSet(request.POST)
    formset.is_valid()
    return render(
        request,
        "channels_tw/searches.html#previews",
        {"previews": _previews(formset, channel.handle), "max_length": conf.MAX_QUERY_LENGTH},
    )
