"""Article bodies: Markdown to HTML in which no script can run.

Raw HTML in the Markdown is not interpreted (it shows as text); the HTML Markdown produces is then cleaned
by nh3 (Ammonia) against a short list of tags, attributes and link schemes. Images come only from the
article's own uploads, written as ![description](image:NUMBER) and served through a view that applies the
article's visibility; any other image source is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree.ElementTree import Element  # noqa: S405 (builds nothing from untrusted XML; Markdown's tree)

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

IMAGE_REFERENCE = re.compile(r"image:(\d{1,18})\Z")

TAGS = {
    *("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("strong", "em", "b", "i", "del", "sup", "sub", "ul", "ol", "li", "a", "img"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "loading"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

ImageUrl = Callable[[int], str | None]


class _ArticleImages(Treeprocessor):
    """Point image:NUMBER at the view that serves that upload; drop every other image."""

    def __init__(self, md, image_url: ImageUrl, allowed: set[str]):
        super().__init__(md)
        self.image_url = image_url
        self.allowed = allowed

    def run(self, root: Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "img":
                    self._resolve(parent, child)

    def _resolve(self, parent: Element, image: Element) -> None:
        match = IMAGE_REFERENCE.match((image.get("src") or "").strip())
        url = self.image_url(int(match.group(1))) if match else None
        if not url:
            parent.remove(image)
            return
        image.set("src", url)
        image.set("loading", "lazy")
        self.allowed.add(url)


class _Headings(Treeprocessor):
    """The page's title is its only h1: article headings start at h2."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            if element.tag == "h1":
                element.tag = "h2"


class _ArticleExtension(Extension):
    def __init__(self, image_url: ImageUrl, allowed: set[str]):
        super().__init__()
        self.image_url = image_url
        self.allowed = allowed

    def extendMarkdown(self, md):  # noqa: N802 (the Markdown API's name)
        md.preprocessors.deregister("html_block")  # raw HTML stays text
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ArticleImages(md, self.image_url, self.allowed), "article_images", 1)
        md.treeprocessors.register(_Headings(md), "article_headings", 0)


def render_markdown(body: str, *, image_url: ImageUrl) -> SafeString:
    """Return an article body as safe HTML; `image_url(number)` gives an upload's URL, or None when unknown."""
    allowed: set[str] = set()
    html = markdown.markdown(
        body or "",
        extensions=["tables", "fenced_code", "sane_lists", _ArticleExtension(image_url, allowed)],
        output_format="html",
    )

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src" and value not in allowed:
            return None
        return value

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=keep,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
