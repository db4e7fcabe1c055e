"""`{% url %}` and `{% static %}`, memoised: the same tags, answered from a cache after the first time.

Reversing a URL name walks the URL resolver's patterns and rebuilds the path on every call; a portal page
reverses its menu, header and row links, which added about 1 ms to every page (bench/README.md). For the
same name, arguments, URLconf and script prefix the answer never changes, so it is computed once per
process. Installed as a template builtin (settings.TEMPLATES), so templates keep writing `{% url %}`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Library
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()


@lru_cache(maxsize=4096)
def cached_reverse(view_name, args: tuple, kwargs: tuple, current_app, urlconf, script_prefix) -> str:
    """reverse(), keyed by everything its answer depends on (the URLconf and script prefix included)."""
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        cached_reverse.cache_clear()
    if setting in {"STATIC_URL", "STORAGES", "FORCE_SCRIPT_NAME"}:
        cached_static.cache_clear()


def cached_url(view_name: str) -> str:
    """reverse() of a URL without arguments, from the same cache as the template tag."""
    return cached_reverse(view_name, (), (), None, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def pk_url(view_name: str, **kwargs) -> Callable[[int], str]:
    """A function giving the URL of `view_name` for a primary key: reversed once, then formatted per row."""
    sentinel = 2_147_483_647  # never a real key of a row on the page
    pattern = reverse(view_name, args=[sentinel], kwargs=kwargs or None)
    head, _sentinel, tail = pattern.rpartition(str(sentinel))
    return lambda pk: f"{head}{int(pk)}{tail}"


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app, urlconf, get_script_prefix())
        except TypeError:  # an argument that cannot be a cache key: reverse as Django does
            url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's `{% url %}`, memoised (same syntax, same errors)."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@lru_cache(maxsize=1024)
def cached_static(path: str) -> str:
    """The URL of a static file: fixed for the life of the process (collectstatic runs before it starts)."""
    return StaticNode.handle_simple(path)


class CachedStaticNode(StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        try:
            return cached_static(path)
        except TypeError:
            return super().url(context)


@register.tag
def static(parser, token):
    """Django's `{% static %}`, memoised (same syntax)."""
    node = StaticNode.handle_token(parser, token)
    return CachedStaticNode(varname=node.varname, path=node.path)
