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


def _html(form) -> str:
    """The form's HTML with runs of white space as one space (the two engines indent differently)."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", form.as_div().strip()))


def test_forms_write_the_same_html_as_with_djangos_engine():
    data = {"name": "<script>alert(1)</script>" * 2, "colour": "x"}  # too long, a bad choice, agree missing
    ours = _html(SampleForm(data, renderer=FormRenderer()))
    djangos = _html(SampleForm(data, renderer=DjangoTemplates()))
    assert ours == djangos
    assert "&lt;script&gt;" in ours and "<script>" not in ours


def test_djangos_form_templates_come_from_jinja2_and_the_rest_from_djangos_engine():
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/textarea.html"), JinjaTemplate)
    assert not isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), JinjaTemplate)
    assert isinstance(Jinja2().get_template("django/forms/widgets/input.html"), JinjaTemplate)
