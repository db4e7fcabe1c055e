"""The product's URLs plus the bare twin of each measured page and an empty page for the fixed costs."""

from django.urls import path

from bench import bare
from portico.config.urls import urlpatterns as portico_urlpatterns

urlpatterns = [
    *portico_urlpatterns,
    # The same empty view behind the portal's middleware and behind Django's: what every portal page pays first.
    path("portal/bench-empty/", bare.empty, name="bench_empty_portal"),
    path("bench/bare/empty/", bare.empty, name="bench_empty_bare"),
    path("bench/bare/<str:page>/", bare.bare_page, name="bench_bare"),
]
