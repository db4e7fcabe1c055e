"""Portal forms of the Cases module. They only shape input; the services decide and say what is wrong."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portico.core.uploads import AttachmentRules, attachment_rules, attachments_field
from portico.helpdesk.models import BODY_MAX, SUBJECT_MAX, CaseCategory, Priority
from portico.helpdesk.services import RATING_COMMENT_MAX


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label()


class CaseCreateForm(forms.Form):
    """A new case: subject and description always; category and priority when the profile lets the customer set them."""

    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, what you expected, and anything that helps us reproduce it."),
    )
    category = CategoryChoiceField(
        label=_("Category"), queryset=CaseCategory.objects.filter(is_active=True), required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        required=False,
        empty_value=None,
    )
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, editable: list[str], rules: AttachmentRules | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("category", "priority"):
            if name not in editable:
                del self.fields[name]
        self.fields["attachments"] = attachments_field(rules or attachment_rules())
        self.fields["subject"].widget.attrs.update({"autocomplete": "off"})


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=BODY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, rules: AttachmentRules | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = attachments_field(rules or attachment_rules())


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well did we help?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = poorly, 5 = very well"),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=RATING_COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CaseEditForm(forms.Form):
    """What a customer may change on an open case: the editable fields of their profile (category, priority)."""

    category = CategoryChoiceField(
        label=_("Category"), queryset=CaseCategory.objects.filter(is_active=True), required=False
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)

    def __init__(self, *args, editable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("category", "priority"):
            if name not in editable:
                del self.fields[name]
