"""The memoised {% url %} and {% static %} tags answer exactly what Django's own tags answer."""

import pytest
from django.template import Context, Template, TemplateSyntaxError, engines
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.urls.base import set_script_prefix

from portico.core.urltags import CachedStaticNode, CachedURLNode, cached_reverse, pk_url


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_url_tag_is_the_memoised_one_in_portal_templates():
    template = engines["django"].from_string("{% url 'portal:home' %}{% static 'portal/portal.css' %}")
    nodes = list(template.template.nodelist)
    assert isinstance(nodes[0], CachedURLNode)
    assert isinstance(nodes[1], CachedStaticNode)


def test_url_tag_answers_as_reverse_with_and_without_arguments():
    cached_reverse.cache_clear()
    assert render("{% url 'portal:home' %}") == reverse("portal:home")
    assert render("{% url 'portal:colleague' 7 %}") == reverse("portal:colleague", args=[7])
    assert render("{% url 'portal:colleague' pk=8 %}") == reverse("portal:colleague", kwargs={"pk": 8})
    assert render("{% url name 9 %}", name="portal:colleague") == reverse("portal:colleague", args=[9])
    assert render("{% url 'portal:colleague' 7 %}") == "/portal/colleagues/7/"  # the second time from the cache
    assert cached_reverse.cache_info().hits >= 1


def test_url_tag_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert render("{% url 'portal:home' %}") == "/crm/portal/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'portal:home' %}") == "/portal/"


def test_url_tag_as_variable_swallows_a_missing_name_and_otherwise_raises():
    assert render("{% url 'no-such-name' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-name' %}")
    with pytest.raises(TemplateSyntaxError):
        Template("{% load urltags %}")  # the tags come as builtins, not as a library to load


def test_url_tag_escapes_when_autoescaping():
    source = "{% url 'portal:colleague' 5 as link %}{{ link }}"
    assert Template(source).render(Context({})) == reverse("portal:colleague", args=[5])


def test_url_tag_with_an_unhashable_argument_still_reverses():
    class Key(int):
        __hash__ = None

    assert render("{% url 'portal:colleague' key %}", key=Key(3)) == "/portal/colleagues/3/"


@override_settings(ROOT_URLCONF="portico.config.urls")
def test_changing_the_urlconf_forgets_the_cache():
    assert cached_reverse.cache_info().currsize == 0


def test_pk_url_formats_the_reversed_pattern_per_key():
    url = pk_url("portal:colleague")
    assert url(12) == reverse("portal:colleague", args=[12])
    assert url("34") == "/portal/colleagues/34/"
    with pytest.raises(ValueError):
        url("1/../../admin")


def test_static_tag_answers_as_django_static():
    from django.templatetags.static import static

    assert render("{% static 'portal/portal.css' %}") == static("portal/portal.css")
    assert render("{% static 'portal/portal.css' as css %}[{{ css }}]") == f"[{static('portal/portal.css')}]"
