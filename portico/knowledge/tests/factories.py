"""Factories for knowledge-base categories, articles, their language versions, votes and images."""

import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from portico.core.attachments import save_attachment, validate_upload
from portico.knowledge.models import Article, ArticleImage, ArticleTranslation, ArticleVote, Category

KNOWLEDGE_GRANT = {"view": True, "scope": "company"}


def grant_knowledge(*accesses) -> None:
    """Give the profiles of these portal accesses the knowledge-base module."""
    for access in accesses:
        access.profile.grants["knowledge"] = dict(KNOWLEDGE_GRANT)
        access.profile.save(update_fields=["grants"])


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    names = factory.LazyAttribute(lambda o: {"en": o.slug.replace("-", " ").capitalize()})


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article readable by every portal user; give `title`/`body` for its English version."""

    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    status = Article.Status.PUBLISHED
    visibility = Article.Visibility.PORTAL
    published_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, title=None, body="Body text.", summary="", **kwargs):
        article = super()._create(model_class, *args, **kwargs)
        if title is not False:
            ArticleTranslation.objects.create(
                article=article, language="en", title=title or f"Article {article.slug}", summary=summary, body=body
            )
        return article


class TranslationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleTranslation

    article = factory.SubFactory(ArticleFactory)
    language = "fi"
    title = factory.Sequence(lambda n: f"Artikkeli {n}")
    body = "Tekstiä."


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleVote

    article = factory.SubFactory(ArticleFactory)
    helpful = True


def png_bytes(size=(4, 3), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def add_image(article: Article, name: str = "tray.png", data: bytes | None = None) -> ArticleImage:
    """Upload an image to an article as staff do (checked by content, stored privately)."""
    upload = SimpleUploadedFile(name, data or png_bytes(), content_type="image/png")
    checked = validate_upload(upload, max_bytes=5 * 1024 * 1024, allowed_types=("png", "jpg", "gif", "webp"))
    return save_attachment(attachment=ArticleImage(article=article), upload=checked)
