"""Portal settings: branding, modules on/off with order and labels, the announcement, and the settings screen."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portico.portal.admin import PortalSettingsForm
from portico.portal.models import ModuleSetting, PortalSettings, contrast
from portico.portal.tests.factories import SETTINGS_URL, form_data, image_bytes, set_branding_image, upload
from portico.portal.tests.test_query_counts import PAGES
from portico.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded branding goes to a folder of its own for each test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


def save_settings(**values) -> PortalSettings:
    portal_settings, _created = PortalSettings.objects.get_or_create(pk=PortalSettings.SINGLETON)
    for name, value in values.items():
        setattr(portal_settings, name, value)
    portal_settings.save()
    return portal_settings


def set_module(key: str, **values) -> None:
    save_settings()
    ModuleSetting.objects.update_or_create(key=key, defaults=values)


def page(client, name: str, **kwargs) -> str:
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- branding


def test_portal_name_logo_and_brand_colour_show_on_every_portal_page(portal_client, bob):
    set_branding_image("logo")
    save_settings(portal_name="Acme Customer Care", brand_colour="#123456")
    client = portal_client(bob)
    for name in ("portal:home", "portal:my_details"):
        content = page(client, name)
        assert "<title>" in content and "· Acme Customer Care</title>" in content
        assert '<img class="logo" src="/portal/branding/logo/?v=' in content
        assert "<style>:root{--brand:#123456}</style>" in content


def test_without_settings_the_portal_shows_the_installations_name_and_no_logo(portal_client, bob, settings):
    settings.PORTAL_NAME = "Installation Portal"
    content = page(portal_client(bob), "portal:home")
    assert "Installation Portal" in content
    assert "/portal/branding/" not in content
    assert "--brand:" not in content


def test_the_sign_in_page_shows_the_background_image_and_the_logo(client):
    set_branding_image("background")
    set_branding_image("logo")
    content = page(client, "account_login")
    assert 'background:#f6f7f9 url("/portal/branding/background/?v=' in content
    assert "/portal/branding/logo/?v=" in content


def test_other_pages_have_no_sign_in_background(portal_client, bob):
    set_branding_image("background")
    assert "/portal/branding/background/" not in page(portal_client(bob), "portal:home")


def test_a_branding_image_is_served_publicly_with_a_long_cache_and_nosniff(client):
    set_branding_image("logo")
    response = client.get(reverse("portal:branding", kwargs={"kind": "logo"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert response.content == image_bytes()


@pytest.mark.parametrize("kind", ["logo", "background", "favicon", "..%2F..%2Fsettings"])
def test_a_branding_image_that_is_not_set_is_a_404(client, kind):
    assert client.get(f"/portal/branding/{kind}/").status_code == 404


def test_a_branding_image_missing_from_storage_is_a_404_not_an_error(client):
    save_settings(logo="branding/gone.png")
    assert client.get(reverse("portal:branding", kwargs={"kind": "logo"})).status_code == 404


def test_a_new_logo_gets_a_new_url_so_browsers_fetch_it_again():
    first = set_branding_image("logo").logo_url
    assert save_settings(portal_name="Renamed").logo_url == first
    assert set_branding_image("logo", "branding/other.png").logo_url != first


def test_a_branding_image_does_not_sign_out_a_login_whose_access_ended(client, bob):
    set_branding_image("logo")
    bob.portal_end = bob.support_start
    bob.support_start = bob.support_start.replace(year=bob.support_start.year - 1)
    bob.save()
    client.force_login(bob.user)
    assert client.get(reverse("portal:branding", kwargs={"kind": "logo"})).status_code == 200
    assert "_auth_user_id" in client.session


def test_branding_adds_no_query_to_a_portal_page(client_of_alice, django_assert_num_queries):
    set_branding_image("logo")
    save_settings(portal_name="Acme Customer Care", brand_colour="#123456", announcement={"en": "Hello"})
    set_module("my_company", labels={"en": "Our firm"}, order=1)
    client_of_alice.get(reverse("portal:home"))  # the first page after a change fills the cache
    with django_assert_num_queries(PAGES["home"]):
        content = client_of_alice.get(reverse("portal:home")).content.decode()
    assert "Our firm" in content and "Hello" in content


@pytest.fixture
def client_of_alice(portal_client, alice):
    client = portal_client(alice)
    client.get(reverse("portal:home"))
    return client


# ---------------------------------------------------------------- modules


def test_a_module_switched_off_disappears_from_the_menu_and_its_urls_are_404(portal_client, alice):
    set_module("my_company", enabled=False)
    client = portal_client(alice)
    home = page(client, "portal:home")
    assert reverse("portal:my_company") not in home
    assert reverse("portal:my_details") in home
    assert client.get(reverse("portal:my_company")).status_code == 404
    assert client.get(reverse("portal:my_company_edit")).status_code == 404
    assert client.post(reverse("portal:my_company_edit"), {"city": "Nowhere"}).status_code == 404


def test_a_module_switched_back_on_returns_at_once(portal_client, alice):
    set_module("my_company", enabled=False)
    client = portal_client(alice)
    assert client.get(reverse("portal:my_company")).status_code == 404
    ModuleSetting.objects.filter(key="my_company").update(enabled=True)
    ModuleSetting.objects.get(key="my_company").save()  # the admin saves rows one by one, which clears the cache
    assert client.get(reverse("portal:my_company")).status_code == 200


def test_the_menu_follows_the_order_in_settings(portal_client, alice):
    set_module("my_company", order=1)
    set_module("my_details", order=2)
    home = page(portal_client(alice), "portal:home")
    assert home.index(reverse("portal:my_company")) < home.index(reverse("portal:my_details"))
    assert home.index(reverse("portal:home")) < home.index(reverse("portal:my_company"))


def test_a_renamed_module_shows_its_label_in_the_active_language(portal_client, bob):
    set_module("my_company", labels={"fi": "Yrityksemme tiedot", "sv": ""})
    client = portal_client(bob)
    english = page(client, "portal:my_company")
    assert "Yrityksemme tiedot" not in english
    assert "My company" in english
    User.objects.filter(pk=bob.user.pk).update(language="fi")
    finnish = page(client, "portal:my_company")
    assert "<h1>Yrityksemme tiedot</h1>" in finnish
    assert finnish.count("Yrityksemme tiedot") >= 3  # the menu, the title and the heading
    User.objects.filter(pk=bob.user.pk).update(language="sv")
    swedish = page(client, "portal:home")
    assert "Yrityksemme tiedot" not in swedish  # blank in Swedish: the built-in (translated) label


# ---------------------------------------------------------------- the announcement


def test_the_announcement_shows_on_the_start_page_in_the_users_language(portal_client, bob):
    save_settings(announcement={"en": "Maintenance on Sunday", "fi": "Huoltokatko sunnuntaina"})
    client = portal_client(bob)
    assert "Maintenance on Sunday" in page(client, "portal:home")
    User.objects.filter(pk=bob.user.pk).update(language="fi")
    finnish = page(client, "portal:home")
    assert "Huoltokatko sunnuntaina" in finnish
    assert "Maintenance on Sunday" not in finnish


def test_a_language_without_an_announcement_shows_the_default_languages(portal_client, bob):
    save_settings(announcement={"en": "Maintenance on Sunday"})
    User.objects.filter(pk=bob.user.pk).update(language="nb")
    assert "Maintenance on Sunday" in page(portal_client(bob), "portal:home")


def test_the_announcement_is_plain_text_escaped(portal_client, bob):
    save_settings(announcement={"en": '<script>alert("x")</script>\nSecond line'})
    content = page(portal_client(bob), "portal:home")
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Second line" in content


def test_no_announcement_means_no_announcement_block(portal_client, bob):
    assert 'class="msg announcement"' not in page(portal_client(bob), "portal:home")


def test_the_banner_lead_time_defaults_to_30_days():
    assert PortalSettings.load().access_ending_banner_days == 30
    save_settings(access_ending_banner_days=14)
    assert PortalSettings.load().access_ending_banner_days == 14


# ---------------------------------------------------------------- validation of images and colour


def settings_form(files=None, **data) -> PortalSettingsForm:
    base = {"portal_name": "", "brand_colour": "", "access_ending_banner_days": "30", "attachment_max_mb": "10"}
    return PortalSettingsForm({**base, **data}, files or {}, instance=PortalSettings(pk=1))


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.svg", SVG, "Upload a PNG, JPEG or WebP image"),
        ("logo.png", SVG, "Upload a PNG, JPEG or WebP image"),
        ("logo.png", b"this is not an image at all", "Upload a PNG, JPEG or WebP image"),
        ("logo.png", image_bytes("GIF"), "Upload a PNG, JPEG or WebP image"),
        ("logo.gif", image_bytes("GIF"), "Upload a PNG, JPEG or WebP image"),
        (
            "logo.png",
            b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024),
            "The image is too large (2.0 MB). The limit is 2 MB.",
        ),
    ],
    ids=["svg", "svg-named-png", "text-named-png", "gif-named-png", "gif", "too-large"],
)
def test_a_bad_branding_image_is_refused_with_a_clear_message(name, content, message):
    for field in ("logo", "login_background"):
        form = settings_form(files={field: upload(name, content)})
        assert not form.is_valid()
        assert message in " ".join(form.errors[field]), form.errors


def test_an_image_with_too_many_pixels_is_refused():
    form = settings_form(files={"logo": upload("wide.png", image_bytes(size=(6000, 5000)))})
    assert not form.is_valid()
    assert "too many pixels" in " ".join(form.errors["logo"])


@pytest.mark.parametrize(("fmt", "suffix"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_a_png_jpeg_or_webp_image_is_stored_under_branding_with_a_random_name(fmt, suffix, media, client):
    form = settings_form(files={"logo": upload(f"my logo{suffix}", image_bytes(fmt))})
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.logo.name.startswith("branding/") and saved.logo.name.endswith(suffix)
    assert "my logo" not in saved.logo.name
    assert (media / saved.logo.name).exists()
    response = client.get(saved.logo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]


@pytest.mark.parametrize(
    ("colour", "message"),
    [
        ("#777777", "Choose a darker colour"),
        ("#ffcc00", "Choose a darker colour"),
        ("#1a73e8", "Choose a darker colour"),  # readable white text, but links on the page background are not
        ("red", "Enter a colour as #rrggbb"),
        ("#12345", "Enter a colour as #rrggbb"),
        ("#12345g", "Enter a colour as #rrggbb"),
        ("#123456;}body{display:none", "at most 7 characters"),
    ],
)
def test_a_hard_to_read_or_malformed_brand_colour_is_refused(colour, message):
    form = settings_form(brand_colour=colour)
    assert not form.is_valid()
    assert message in " ".join(form.errors["brand_colour"])


@pytest.mark.parametrize("colour", ["#0b5cad", "#000000", "#14532D", ""])
def test_a_dark_enough_brand_colour_is_accepted(colour):
    assert settings_form(brand_colour=colour).is_valid()


def test_contrast_follows_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


def test_a_malformed_colour_stored_some_other_way_never_reaches_the_style_sheet(portal_client, bob):
    save_settings(brand_colour="red;}*{")
    assert "--brand:" not in page(portal_client(bob), "portal:home")


# ---------------------------------------------------------------- the settings screen


def test_the_settings_list_opens_the_one_settings_page(admin_client):
    response = admin_client.get(reverse("admin:portal_portalsettings_changelist"))
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    assert PortalSettings.objects.count() == 1
    assert admin_client.get(reverse("admin:portal_portalsettings_add")).status_code == 403
    assert admin_client.get(reverse("admin:portal_portalsettings_delete", args=[1])).status_code == 403
    assert admin_client.get(reverse("admin:portal_portalsettings_change", args=[2])).status_code == 302


def test_the_settings_page_lists_every_module_and_documents_the_placeholders(admin_client):
    content = admin_client.get(SETTINGS_URL).content.decode()
    assert set(ModuleSetting.objects.values_list("key", flat=True)) >= {"my_details", "my_company"}
    assert not ModuleSetting.objects.filter(key="home").exists()  # the start page is always on
    for placeholder in ("{first_name}", "{company}", "{link}", "{valid_hours}", "{portal_end}", "{portal_name}"):
        assert placeholder in content


def test_staff_save_branding_modules_labels_and_announcement_on_one_screen(admin_client, portal_client, bob):
    data = form_data(admin_client.get(SETTINGS_URL))
    rows = {data[k]: k.rsplit("-", 1)[0] for k in data if k.startswith("modules-") and k.endswith("-id")}
    keys = dict(ModuleSetting.objects.values_list("pk", "key"))
    prefix = next(p for pk, p in rows.items() if keys[int(pk)] == "my_company")
    data.update(
        {
            "portal_name": "Acme Care",
            "brand_colour": "#14532d",
            "announcement_en": "Closed on Friday",
            "announcement_fi": "",
            f"{prefix}-label_en": "Company profile",
            f"{prefix}-order": "1",
            "logo": upload("logo.png", image_bytes()),
        }
    )
    response = admin_client.post(SETTINGS_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = PortalSettings.objects.get()
    assert (saved.portal_name, saved.brand_colour, saved.announcement) == (
        "Acme Care",
        "#14532d",
        {"en": "Closed on Friday"},
    )
    assert saved.logo.name.startswith("branding/")
    assert ModuleSetting.objects.get(key="my_company").labels == {"en": "Company profile"}
    home = page(portal_client(bob), "portal:home")
    assert "Acme Care" in home and "Closed on Friday" in home and "Company profile" in home
    assert home.index("Company profile") < home.index("My details")


def test_the_settings_screen_refuses_an_svg_logo_with_a_clear_message(admin_client):
    data = form_data(admin_client.get(SETTINGS_URL))
    data["logo"] = upload("logo.svg", SVG, "image/svg+xml")
    response = admin_client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    assert "Upload a PNG, JPEG or WebP image" in response.content.decode()
    assert not PortalSettings.objects.get().logo


def test_the_settings_screen_is_staff_only(client, portal_client, bob):
    assert client.get(SETTINGS_URL).status_code == 302
    assert portal_client(bob).get(SETTINGS_URL)["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_permission_cannot_open_or_change_the_settings(client):
    clerk = User.objects.create_user(email="clerk@portico.example", password="clerk-password-2026", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:portal_portalsettings_changelist")).status_code == 403
    assert client.get(SETTINGS_URL).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_portalsettings"))
    assert client.get(SETTINGS_URL).status_code == 200
    assert client.post(SETTINGS_URL, {"portal_name": "Hijacked"}).status_code == 403


def test_the_administrator_role_may_change_the_portal_settings(client):
    admin = User.objects.create_user(email="admin@portico.example", is_staff=True)
    admin.groups.add(Group.objects.get(name="Administrator"))
    client.force_login(admin)
    assert client.get(SETTINGS_URL).status_code == 200
    assert User.objects.get(pk=admin.pk).has_perm("portal.change_portalsettings")
