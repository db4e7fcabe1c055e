"""Private file storage: files that are never served from a URL, only streamed by views that check access."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """A directory outside every served root (`settings.PRIVATE_MEDIA_ROOT`); its files have no URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        # A link to a private file would bypass the access engine: stream it through a view instead.
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


def private_storage() -> Storage:
    """Return the storage for private files (the "private" entry of settings.STORAGES)."""
    return storages["private"]
