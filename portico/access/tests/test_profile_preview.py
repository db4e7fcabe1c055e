"""The profile editor's preview: what a contact with the profile sees, for the grants as ticked, before saving."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portico.access.models import PortalProfile
from portico.access.preview import profile_preview
from portico.access.registry import Grant, get_module
from portico.access.tests.factories import ProfileFactory, grants
from portico.users.models import User

PREVIEW = reverse("admin:access_portalprofile_preview")


@pytest.fixture
def staff(client, sam):
    """The back office, signed in as sam."""
    client.force_login(sam)
    return client


@pytest.fixture
def profile(db):
    """My details editable (email read-only), My company read-only with the VAT number hidden."""
    return ProfileFactory(name="Preview me", grants=grants())


def change_url(profile):
    return reverse("admin:access_portalprofile_change", args=[profile.pk])


def form_data(response):
    """POST data that resubmits the profile editor exactly as rendered."""
    data = {}
    for bound in response.context["adminform"].form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = "on" if value is True else str(value)
    return data


def section(content: str, key: str) -> str:
    """The preview's block for one module ('' when the module is not in it)."""
    match = re.search(rf'<section class="preview-module" data-module="{key}">(.*?)</section>', content, re.S)
    return match.group(1) if match else ""


def row(block: str, css: str) -> str:
    match = re.search(rf'<dd class="preview-{css}">(.*?)</dd>', block, re.S)
    return match.group(1) if match else ""


# ---------------------------------------------------------------- the change page


def test_the_change_page_shows_the_saved_profile_without_javascript(staff, profile):
    content = staff.get(change_url(profile)).content.decode()
    assert 'id="profile-preview"' in content
    company = section(content, "my_company")
    assert "Company" in company  # the record scope
    assert "City" in row(company, "read-only")
    assert "VAT number" in row(company, "hidden")
    details = section(content, "my_details")
    assert "First name" in row(details, "editable")
    assert "Email" in row(details, "read-only")


def test_the_change_page_posts_the_form_to_the_preview_on_every_change(staff, profile):
    content = staff.get(change_url(profile)).content.decode()
    assert "django_htmx/htmx-2.min.js" in content
    assert f'hx-post="{PREVIEW}"' in content
    assert 'hx-trigger="change"' in content
    assert 'hx-target="#profile-preview"' in content


def test_the_add_page_previews_an_empty_profile_as_the_start_page_only(staff):
    content = staff.get(reverse("admin:access_portalprofile_add")).content.decode()
    menu = re.search(r'<ol class="preview-menu".*?</ol>', content, re.S).group(0)
    assert 'data-module="home"' in menu
    assert menu.count("<li") == 1


def test_a_refused_save_previews_what_was_posted(staff, profile):
    data = form_data(staff.get(change_url(profile)))
    data.pop("my_company__view")
    data["name"] = ""  # required: the save is refused and the page shown again
    response = staff.post(change_url(profile), data)
    assert response.status_code == 200
    assert section(response.content.decode(), "my_company") == ""


# ---------------------------------------------------------------- the live preview


def test_the_preview_reflects_unsaved_changes(staff, profile):
    data = form_data(staff.get(change_url(profile)))
    data["my_company__edit"] = "on"
    data["my_company__field__city"] = "edit"
    data["my_company__field__vat_number"] = "read"
    response = staff.post(PREVIEW, data)
    assert response.status_code == 200
    company = section(response.content.decode(), "my_company")
    assert "City" in row(company, "editable")
    assert "VAT number" in row(company, "read-only")
    profile.refresh_from_db()
    assert profile.grants == grants()  # nothing saved


def test_the_preview_hides_modules_without_view(staff, profile):
    data = form_data(staff.get(change_url(profile)))
    data.pop("my_company__view")
    content = staff.post(PREVIEW, data).content.decode()
    assert 'data-module="my_company"' not in content
    assert 'data-module="my_details"' in content


def test_an_editable_field_without_may_edit_previews_as_read_only(staff, profile):
    data = form_data(staff.get(change_url(profile)))
    data.pop("my_details__edit")
    details = section(staff.post(PREVIEW, data).content.decode(), "my_details")
    assert row(details, "editable") == "—"
    assert "First name" in row(details, "read-only")


def test_company_admin_modules_are_marked_as_such(staff, profile):
    data = form_data(staff.get(change_url(profile)))
    data["colleagues__view"] = "on"
    data["colleagues__create"] = "on"
    data["colleagues__scope"] = "company_tree"
    content = staff.post(PREVIEW, data).content.decode()
    menu_entry = re.search(r'<li data-module="colleagues">(.*?)</li>', content, re.S).group(1)
    assert "company admins only" in menu_entry
    colleagues = section(content, "colleagues")
    assert "Company and subsidiaries" in colleagues


def test_the_preview_is_the_engines_own_answer(db):
    raw = {"my_details": {"view": True, "edit": False, "fields": {"first_name": "edit", "email": "edit"}}}
    (home, details) = profile_preview(raw)
    assert home.module.key == "home"
    assert details.grant == Grant.from_json(get_module("my_details"), raw["my_details"])
    assert details.editable == []
    assert details.read_only == ["First name", "Email"]


@pytest.mark.parametrize(
    "bad",
    [
        {"my_company__scope": "everything"},
        {"my_company__field__city": "admin"},
        {"my_details__field__email": "edit"},  # never editable
        {"unknown__view": "on", "my_details__view": ["on", "off"]},
        {"name": "x" * 10_000, "my_details__field__first_name": "\x00"},
    ],
)
def test_bad_values_never_break_the_preview(staff, profile, bad):
    data = form_data(staff.get(change_url(profile))) | bad
    response = staff.post(PREVIEW, data)
    assert response.status_code == 200
    assert 'data-module="home"' in response.content.decode()
    profile.refresh_from_db()
    assert profile.grants == grants()


def test_the_preview_takes_a_constant_number_of_queries(staff, profile, django_assert_max_num_queries):
    data = form_data(staff.get(change_url(profile)))
    with django_assert_max_num_queries(5):
        staff.post(PREVIEW, data)
    data |= {"colleagues__view": "on", "activity__view": "on"}
    with django_assert_max_num_queries(5):
        staff.post(PREVIEW, data)


# ---------------------------------------------------------------- who may use it


def test_the_preview_needs_a_post(staff):
    assert staff.get(PREVIEW).status_code == 405


def test_staff_who_may_view_profiles_may_preview(client, profile):
    user = User.objects.create_user(email="support@portico.example", is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    client.force_login(user)
    assert client.post(PREVIEW, {"my_details__view": "on"}).status_code == 200


def test_staff_who_may_not_view_profiles_are_refused(client, db):
    user = User.objects.create_user(email="nobody@portico.example", is_staff=True)
    client.force_login(user)
    assert client.post(PREVIEW, {"my_details__view": "on"}).status_code == 403


def test_the_preview_is_not_for_portal_users(portal_client, bob):
    response = portal_client(bob).post(PREVIEW, {"my_details__view": "on"})
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert PortalProfile.objects.filter(name="Preview me").count() == 0
