"""The form renderer: Django's own form and widget templates through Jinja2, everything else as before.

Django ships every form and widget template twice, for its template engine and for Jinja2; the Jinja2 ones
write the same HTML several times faster, and a page with a form spends a good part of its time drawing
widgets. Templates only the Django engine has (the back office's widget wrappers) are found there as before.
The portal's own field markup is a Jinja2 template too, so a form field is drawn without the Django engine.
"""

from __future__ import annotations

from functools import cached_property

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    # A field drawn with `{{ field.as_field_group }}`: the portal's label, widget, help and errors markup
    # (portico/portal/jinja2/portal/field.html), through Jinja2 like the widgets.
    field_template_name = "portal/field.html"

    @cached_property
    def _jinja2(self):
        return Jinja2()

    @cached_property
    def _django(self):
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
