"""No broken links: starting at the start page, an employee and an admin follow every link of every page
they reach (on this site, GET only) and never meet an error page or a 5xx."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from tests.web_seed import make_user, seed_world, signed_in

HREF = re.compile(r'<a\s[^>]*href="([^"]+)"', re.I)
# Pages whose every variant is another query of the same view: a few of each are followed, not all.
VARIANTS_PER_PATH = 6
MOST_PAGES = 600


@pytest.fixture
def world(db, redis):
    seed_world()
    make_user("ana@example.com")
    make_user("boss", admin=True)


def walk(client) -> dict[str, int]:
    """Every page reachable from / by links, with its status."""
    seen: dict[str, int] = {}
    per_path: dict[str, int] = {}
    queue = ["/"]
    while queue and len(seen) < MOST_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            target = urljoin(url, unescape(href))
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue  # another site
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in seen or link in queue:
                continue
            per_path[parts.path] = per_path.get(parts.path, 0) + 1
            if per_path[parts.path] <= VARIANTS_PER_PATH:
                queue.append(link)
    return seen


@pytest.mark.parametrize("who", ["ana@example.com", "boss"])
def test_every_link_leads_to_a_page(world, who):
    pages = walk(signed_in(who))
    broken = {url: status for url, status in pages.items() if status >= 400}
    assert not broken, broken
    assert len(pages) > 40, sorted(pages)  # the walk went everywhere, not one page
