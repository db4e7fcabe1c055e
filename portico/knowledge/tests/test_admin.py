"""Back office: categories, articles with language versions and images, status changes (audited) and the preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portico.core.models import AuditEntry
from portico.knowledge.models import Article, ArticleImage, Category
from portico.knowledge.tests.factories import ArticleFactory, CategoryFactory, TranslationFactory, add_image, png_bytes

pytestmark = pytest.mark.django_db

ADD = reverse("admin:knowledge_article_add")


@pytest.fixture
def staff_client(client, sam):
    client.force_login(sam)
    return client


def management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_data(*, status="draft", versions=(("en", "Printer help", "Turn it **off** and on."),), **fields):
    data = {"slug": "printer-help", "status": status, "visibility": "portal", **fields}
    data |= management("translations", total=len(versions)) | management("images")
    for n, (language, title, body) in enumerate(versions):
        data |= {
            f"translations-{n}-language": language,
            f"translations-{n}-title": title,
            f"translations-{n}-summary": "",
            f"translations-{n}-body": body,
        }
    return data


def test_staff_add_an_article_with_versions_and_publish_it_audited(staff_client, sam):
    data = article_data(status="published", versions=[("en", "Printer help", "Body"), ("fi", "Tulostinapu", "Teksti")])
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="printer-help")
    assert article.status == "published" and article.published_at is not None and article.author == sam
    assert sorted(article.translations.values_list("language", flat=True)) == ["en", "fi"]
    entry = AuditEntry.objects.get(action="article.published")
    assert (entry.actor, entry.object_id, entry.changes) == (sam, str(article.pk), {"status": ["draft", "published"]})


def test_a_published_article_needs_its_default_language_version(staff_client):
    response = staff_client.post(ADD, article_data(status="published", versions=[("fi", "Tulostinapu", "Teksti")]))
    assert response.status_code == 200
    assert "needs its version in English" in response.content.decode()
    assert not Article.objects.exists()


def test_two_versions_in_one_language_are_refused(staff_client):
    response = staff_client.post(ADD, article_data(versions=[("en", "A", "a"), ("en", "B", "b")]))
    assert response.status_code == 200
    assert not Article.objects.exists()


def test_a_reserved_or_malformed_address_is_refused(staff_client):
    for slug in ("suggest", "../etc", "<script>"):
        assert staff_client.post(ADD, article_data(slug=slug)).status_code == 200
    assert not Article.objects.exists()


def test_archiving_an_article_in_its_change_form_is_audited(staff_client, sam):
    article = ArticleFactory(slug="printer-help", title="Printer help")
    version = article.translations.get()
    data = article_data(status="archived") | management("translations", total=1, initial=1)
    data |= {"translations-0-id": str(version.pk), "translations-0-article": str(article.pk)}
    response = staff_client.post(reverse("admin:knowledge_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert article.status == "archived"
    assert AuditEntry.objects.filter(action="article.archived", actor=sam).count() == 1


def test_the_publish_and_archive_actions_report_articles_they_cannot_publish(staff_client):
    ready = ArticleFactory(status="draft", published_at=None)
    finnish_only = ArticleFactory(status="draft", published_at=None, title=False)
    TranslationFactory(article=finnish_only, language="fi")
    changelist = reverse("admin:knowledge_article_changelist")
    response = staff_client.post(
        changelist, {"action": "publish_selected", "_selected_action": [ready.pk, finnish_only.pk]}, follow=True
    )
    assert "1 articles were updated." in response.content.decode()
    assert "before publishing it" in response.content.decode()
    assert Article.objects.get(pk=ready.pk).status == "published"
    assert Article.objects.get(pk=finnish_only.pk).status == "draft"
    staff_client.post(changelist, {"action": "archive_selected", "_selected_action": [ready.pk]})
    assert Article.objects.get(pk=ready.pk).status == "archived"


def test_the_changelist_shows_vote_counts(staff_client):
    ArticleFactory(title="Printer help", helpful_count=0)
    Article.objects.update(helpful_count=7, not_helpful_count=2)
    content = staff_client.get(reverse("admin:knowledge_article_changelist")).content.decode()
    assert "Printer help" in content and ">7<" in content and ">2<" in content


def test_staff_upload_an_image_and_see_the_markdown_to_paste(staff_client, private_media):
    article = ArticleFactory(slug="printer-help", status="draft", title="Printer help")
    version = article.translations.get()
    data = article_data() | management("translations", total=1, initial=1) | management("images", total=1)
    data |= {"translations-0-id": str(version.pk), "translations-0-article": str(article.pk)}
    data["images-0-upload"] = SimpleUploadedFile("Paper tray.PNG", png_bytes(), content_type="image/png")
    response = staff_client.post(reverse("admin:knowledge_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    image = ArticleImage.objects.get()
    assert (image.name, image.content_type, image.article) == ("Paper tray.png", "image/png", article)
    page = staff_client.get(reverse("admin:knowledge_article_change", args=[article.pk])).content.decode()
    assert f"![Paper tray](image:{image.pk})" in page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tray.png", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program named .png
        ("tray.png", b"<html><script>alert(1)</script></html>"),
        ("tray.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("tray.png", b"\x89PNG\r\n\x1a\n" + b"broken"),
        ("tray.pdf", b"%PDF-1.4 a pdf, not an image"),
        ("tray.png", b""),
    ],
)
def test_a_disguised_or_broken_image_is_refused_with_a_message(staff_client, private_media, name, data):
    article = ArticleFactory(slug="printer-help", status="draft", title="Printer help")
    version = article.translations.get()
    form = article_data() | management("translations", total=1, initial=1) | management("images", total=1)
    form |= {"translations-0-id": str(version.pk), "translations-0-article": str(article.pk)}
    form["images-0-upload"] = SimpleUploadedFile(name, data)
    response = staff_client.post(reverse("admin:knowledge_article_change", args=[article.pk]), form)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not ArticleImage.objects.exists()
    assert not list(private_media.rglob("*.*")) if private_media.exists() else True


def test_the_preview_shows_a_draft_as_the_portal_will_in_a_chosen_language(staff_client, private_media):
    article = ArticleFactory(slug="printer-help", status="draft", title="Printer help", body="English **body**")
    image = add_image(article)
    TranslationFactory(article=article, language="fi", title="Tulostinapu", body=f"Suomeksi ![Kuva](image:{image.pk})")
    url = reverse("admin:knowledge_article_preview", args=[article.pk])
    english = staff_client.get(url).content.decode()
    assert "Printer help" in english and "<strong>body</strong>" in english and "Preview" in english
    finnish = staff_client.get(url, {"language": "fi"}).content.decode()
    image_url = reverse("admin:knowledge_article_image", args=[article.pk, image.pk])
    assert "Tulostinapu" in finnish and f'src="{image_url}"' in finnish
    assert staff_client.get(image_url).status_code == 200
    # A language without a version falls back to English, as the portal does; nonsense is the default language.
    assert "Printer help" in staff_client.get(url, {"language": "sv"}).content.decode()
    assert "Printer help" in staff_client.get(url, {"language": "<script>"}).content.decode()


def test_the_preview_is_for_staff_only(client, bob, private_media):
    article = ArticleFactory(status="draft")
    image = add_image(article)
    client.force_login(bob.user)
    for url in (
        reverse("admin:knowledge_article_preview", args=[article.pk]),
        reverse("admin:knowledge_article_image", args=[article.pk, image.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_preview_of_an_article_without_versions_says_so(staff_client):
    article = ArticleFactory(title=False, status="draft")
    response = staff_client.get(reverse("admin:knowledge_article_preview", args=[article.pk]), follow=True)
    assert "no version to show yet" in response.content.decode()


def test_staff_name_a_category_in_each_language(staff_client):
    data = {"slug": "billing", "position": "10", "name_en": "Billing", "name_fi": "Laskutus", "name_sv": ""}
    response = staff_client.post(reverse("admin:knowledge_category_add"), data)
    assert response.status_code == 302
    assert Category.objects.get().names == {"en": "Billing", "fi": "Laskutus"}
    missing = staff_client.post(reverse("admin:knowledge_category_add"), {"slug": "x", "position": "1", "name_fi": "X"})
    assert missing.status_code == 200 and Category.objects.count() == 1
    CategoryFactory()
    assert staff_client.get(reverse("admin:knowledge_category_changelist")).status_code == 200
