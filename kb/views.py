"""Managers keep the articles; agents search them from the composer; anyone reads a published one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from audit.log import record, snapshot
from inbox.access import require_agent, require_manager

from .forms import ArticleForm
from .helpscout import docs_search
from .models import Article
from .render import render_markdown
from .selectors import article_search


def article_list(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    return render(request, "kb/articles.html", {"articles": Article.objects.all()})


def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request)
    article = get_object_or_404(Article, pk=pk) if pk else None
    before = snapshot(article) if article else None
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        saved = form.save()
        record(
            actor=request.user,
            verb="changed" if article else "created",
            target=saved,
            before=before,
        )
        messages.success(request, f"Saved {saved}.")
        return redirect("kb:articles")
    return render(request, "kb/article_edit.html", {"article": article, "form": form})


def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (settings/confirm.html); the POST from that page deletes."""
    require_manager(request)
    article = get_object_or_404(Article, pk=pk)
    if request.method != "POST":
        gone = (
            f"Its public address, {article.get_absolute_url()}, stops working, for customers "
            "who were sent it too."
            if article.published
            else "It is a draft: no customer has seen it."
        )
        return render(
            request,
            "settings/confirm.html",
            {
                "object": article,
                "consequences": [gone, "This cannot be undone."],
                "cancel_url": reverse("kb:articles"),
            },
        )
    record(actor=request.user, verb="deleted", target=article, before=snapshot(article))
    article.delete()
    messages.success(request, f"Deleted {article}.")
    return redirect("kb:articles")


def article_search_view(request: HttpRequest) -> JsonResponse:
    """What the composer's ?? picker offers: published articles with their public address,
    ours first, then the external help center's (if one is configured)."""
    require_agent(request)
    query = request.GET.get("q", "")
    results = [
        {
            "title": a.title,
            "url": a.public_url(),
            "language": a.language,
            "tags": a.tag_list,
            "source": "",
        }
        for a in article_search(query)
    ]
    return JsonResponse({"results": results + docs_search(query)})


@login_not_required
def article_public(request: HttpRequest, slug: str) -> HttpResponse:
    """The page a customer is sent. A draft is invisible to them; a manager may preview it."""
    article = get_object_or_404(Article, slug=slug)
    if not article.published and not getattr(request.user, "is_manager", False):
        raise Http404
    return render(
        request, "kb/article.html", {"article": article, "body_html": render_markdown(article.body)}
    )
