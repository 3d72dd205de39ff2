from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """'?…&page=N': the current address's filters and search kept, only the page changed."""
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
