"""HTML that may reach a page or another server: Markdown rendering and allow-list sanitising.

Every piece of HTML from a remote server or a user goes through :func:`sanitize` before it is
stored; templates autoescape everything else.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
        "u", "ul", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize(fragment: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; drop scripts and styles."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown_to_html(source: str) -> str:
    """Render Markdown (raw HTML disabled) and sanitise the result."""
    return sanitize(_markdown().render(source))


def to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, for summaries, search and feeds."""
    text = _TAG.sub(" ", sanitize(fragment))
    return _SPACE.sub(" ", html.unescape(text)).strip()
