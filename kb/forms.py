from django import forms

from .models import Article


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "slug", "body", "tags", "language", "published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}
