"""The form renderer: Django's widget templates through Jinja2, the back office's own through Django's engine."""

import re

from django import forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template.backends.jinja2 import Template as JinjaTemplate

from portico.core.renderers import FormRenderer


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=20, help_text="Your <b>name</b>")
    notes = forms.CharField(widget=forms.Textarea, required=False)
    files = forms.FileField(required=False)
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    agree = forms.BooleanField()


def _html(html) -> str:
    """HTML with runs of white space as one space (the two engines indent differently)."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", str(html).strip()))


DATA = {"name": "<script>alert(1)</script>" * 2, "colour": "x"}  # too long, a bad choice, agree missing


def test_widgets_and_errors_are_the_same_html_as_with_djangos_engine():
    ours, djangos = SampleForm(DATA, renderer=FormRenderer()), SampleForm(DATA, renderer=DjangoTemplates())
    for name in SampleForm.base_fields:
        assert _html(ours[name]) == _html(djangos[name])
        assert _html(ours[name].errors) == _html(djangos[name].errors)
    assert "&lt;script&gt;" in str(ours["name"]) and "<script>" not in str(ours["name"])


def test_a_field_group_is_the_portals_field_markup():
    form = SampleForm(DATA, renderer=FormRenderer())
    html = _html(form["name"].as_field_group())
    assert html.startswith('<div class="field invalid"><label for="id_name">Name</label><input type="text"')
    assert '<p class="help" id="id_name_helptext">Your<b>name</b></p>' in html  # help text is trusted markup
    assert '<p class="error" id="id_name_error">Ensure this value has at most 20 characters (it has 50).</p>' in html
    assert "<script>" not in html
    agree = _html(form["agree"].as_field_group())  # a check box comes before its label
    assert agree.startswith('<div class="field invalid"><input type="checkbox"') and '<label for="id_agree">' in agree


def test_djangos_form_templates_come_from_jinja2_and_the_rest_from_djangos_engine():
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/textarea.html"), JinjaTemplate)
    assert not isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), JinjaTemplate)
    assert isinstance(Jinja2().get_template("django/forms/widgets/input.html"), JinjaTemplate)
