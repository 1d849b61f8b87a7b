"""`{% storming_posts as storms %}`: the keys ("channel id:post id", as the inbox's post
groups spell them) of the posts storming now, in one query, for any page that lists posts."""

from django import template

from reports.storms import storming_posts as open_storms

register = template.Library()


@register.simple_tag
def storming_posts() -> set[str]:
    return {f"{channel_id}:{post}" for channel_id, post in open_storms()}
