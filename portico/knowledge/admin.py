"""Back office for the knowledge base: categories, and articles with their language versions, images and a preview."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portico.core.attachments import attachment_response, save_attachment, validate_upload
from portico.core.validators import single_line
from portico.knowledge import selectors, services
from portico.knowledge.models import (
    Article,
    ArticleImage,
    ArticleTranslation,
    Category,
    language_codes,
    reader_language,
)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("png", "jpg", "gif", "webp")
NAME_MAX = 100


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES)[code])


def _name_field(code: str) -> str:
    return f"name_{code}"


# --- Categories -------------------------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    """A category's address, order and one name box per language (the default language's is required)."""

    class Meta:
        model = Category
        fields = ("slug", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.instance.names or {}
        for code in language_codes():
            self.fields[_name_field(code)] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": _language_name(code)},
                required=code == settings.LANGUAGE_CODE,
                max_length=NAME_MAX,
                initial=names.get(code, ""),
                validators=[single_line],
            )

    def clean(self):
        cleaned = super().clean()
        self.instance.names = {
            code: name for code in language_codes() if (name := (cleaned.get(_name_field(code)) or "").strip())
        }
        return cleaned


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("__str__", "slug", "position", "article_count")
    list_editable = ("position",)
    search_fields = ("slug", "names")

    def get_fields(self, request, obj=None):
        return ["slug", "position", *[_name_field(code) for code in language_codes()]]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = list(CategoryForm.Meta.fields)  # the name boxes are the form's own
        return super().get_form(request, obj, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, obj):
        return obj.article_total


# --- Articles ---------------------------------------------------------------------------------------------


class TranslationFormSet(BaseInlineFormSet):
    """The language versions; a published article must keep one in the default language to fall back to."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        languages = {
            form.cleaned_data.get("language")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        if self.instance.status == Article.Status.PUBLISHED and settings.LANGUAGE_CODE not in languages:
            raise ValidationError(
                _("A published article needs its version in %(language)s, the default language."),
                params={"language": _language_name(settings.LANGUAGE_CODE)},
            )


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    formset = TranslationFormSet
    fields = ("language", "title", "summary", "body")
    extra = 1
    max_num = len(settings.LANGUAGES)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 16, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ImageForm(forms.ModelForm):
    """An image upload, checked by its content (PNG, JPEG, GIF or WebP; scripts in disguise are refused)."""

    upload = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )

    class Meta:
        model = ArticleImage
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked = None
        if self.instance.pk:
            self.fields["upload"].disabled = True
            self.fields["upload"].help_text = _("To change an image, delete it and upload a new one.")

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if self.instance.pk or not upload:
            return None
        self.checked = validate_upload(upload, max_bytes=MAX_IMAGE_BYTES, allowed_types=IMAGE_TYPES)
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and self.checked is None and not self.errors and self.has_changed():
            raise ValidationError(_("Choose an image to upload."), code="required")
        return cleaned

    def save(self, commit=True):
        if self.checked is None:
            return super().save(commit)
        return save_attachment(attachment=self.instance, upload=self.checked)


class ImageInline(admin.TabularInline):
    model = ArticleImage
    form = ImageForm
    fields = ("upload", "thumbnail", "markdown_snippet", "size")
    readonly_fields = ("thumbnail", "markdown_snippet", "size")
    extra = 1
    verbose_name_plural = _("Images: upload, save, then paste the Markdown shown into the body")

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:knowledge_article_image", args=[obj.article_id, obj.pk])
        return format_html('<img src="{}" alt="" style="max-height:4rem;max-width:8rem">', url)

    @admin.display(description=_("Markdown"))
    def markdown_snippet(self, obj):
        return format_html("<code>{}</code>", obj.markdown) if obj.pk else "—"


@admin.action(description=_("Publish the selected articles"), permissions=["change"])
def publish_selected(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, Article.Status.PUBLISHED)


@admin.action(description=_("Archive the selected articles"), permissions=["change"])
def archive_selected(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, Article.Status.ARCHIVED)


def _change_status(modeladmin, request, queryset, status):
    done = 0
    for article in queryset:
        try:
            services.change_article_status(article=article, status=status, actor=request.user)
            done += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{article}: {' '.join(exc.messages)}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(count)d articles were updated.") % {"count": done}, messages.SUCCESS)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "status", "visibility", "helpful_count", "not_helpful_count", "updated_at")
    list_filter = ("status", "visibility", "category")
    search_fields = ("slug", "translations__title")
    list_select_related = ("category",)
    filter_horizontal = ("profiles", "related")
    inlines = [TranslationInline, ImageInline]
    actions = [publish_selected, archive_selected]
    readonly_fields = ("preview_links", "helpful_count", "not_helpful_count", "author", "published_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("slug", "category", "status", "preview_links")}),
        (_("Who may read it"), {"fields": ("visibility", "profiles")}),
        (_("Related articles"), {"fields": ("related",)}),
        (
            _("Readers' votes and history"),
            {"fields": (("helpful_count", "not_helpful_count"), "author", "published_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        default = ArticleTranslation.objects.filter(language=settings.LANGUAGE_CODE).defer("body")
        return super().get_queryset(request).prefetch_related(Prefetch("translations", queryset=default))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "related":
            kwargs["queryset"] = Article.objects.prefetch_related(
                Prefetch("translations", queryset=ArticleTranslation.objects.filter(language=settings.LANGUAGE_CODE))
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("preview"))
    def preview_links(self, obj):
        if not obj.pk:
            return _("Save the article first.")
        url = reverse("admin:knowledge_article_preview", args=[obj.pk])
        codes = sorted({t.language for t in ArticleTranslation.objects.filter(article=obj).only("language")})
        return format_html_join(
            " · ",
            '<a href="{}?language={}" target="_blank" rel="noopener">{}</a>',
            ((url, c, _language_name(c)) for c in codes),
        ) or _("Add a language version to preview it.")

    # Status changes go through the service, after the language versions are saved, so they are checked and audited.
    def save_model(self, request, obj, form, change):
        requested = obj.status
        if change:
            obj.status = Article.objects.filter(pk=obj.pk).values_list("status", flat=True).first() or obj.status
        else:
            obj.status = Article.Status.DRAFT
            obj.author = obj.author or request.user
        obj._requested_status = requested
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        requested = getattr(article, "_requested_status", article.status)
        if requested != article.status:
            services.change_article_status(article=article, status=requested, actor=request.user)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        image = self.admin_site.admin_view(self.image_view)
        return [
            path("<int:article_id>/preview/", preview, name="knowledge_article_preview"),
            path("<int:article_id>/images/<int:pk>/", image, name="knowledge_article_image"),
            *super().get_urls(),
        ]

    def _article(self, request, article_id: int) -> Article:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Article, pk=article_id)

    def preview_view(self, request, article_id: int):
        """The article as a portal reader of a language sees it, whatever its status (staff only)."""
        article = self._article(request, article_id)
        language = reader_language(request.GET.get("language"))

        def image_url(article, pk):
            return reverse("admin:knowledge_article_image", args=[article.pk, pk])

        with translation.override(language):
            try:
                page = selectors.build_article_page(
                    audience=None, article=article, language=language, image_url=image_url
                )
            except Http404:
                messages.warning(request, _("The article has no version to show yet."))
                return HttpResponseRedirect(reverse("admin:knowledge_article_change", args=[article.pk]))
            category = article.category
            context = {
                "page": page,
                "preview": True,
                "category_name": category.name_in(language) if category else "",
                "reader_language": language,
                "urls": {"index": "portal:kb", "article": "portal:kb_article"},
            }
            response = TemplateResponse(request, "portal/kb/article.html", context)
            response.render()
        response["Cache-Control"] = "no-store"
        return response

    def image_view(self, request, article_id: int, pk: int):
        article = self._article(request, article_id)
        return attachment_response(get_object_or_404(ArticleImage, article=article, pk=pk))
