"""The structure of a newsroom: URLs that survive a new headline, redirects, pages, menus,
authors, sources, custom fields, and the metadata link previews and search engines read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
from conftest import article, build_site, output_files, problems_of, write_site

from newsdigest.cli import main
from newsdigest.errors import BuildFailed

BASE = "https://example.org/digest/"


def page(site: Path, url: str) -> str:
    return (site / "public" / url / "index.html").read_text(encoding="utf-8")


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def teaser_links(html: str) -> list[str]:
    return re.findall(r'class="teaser-title"><a href="([^"]+)"', html)


# -- stable URLs ------------------------------------------------------------------------------


def test_the_slug_is_the_file_name_so_a_new_title_keeps_the_url(site: Path) -> None:
    write_site(
        site,
        {
            "content/2026/10/kursk-talks.md": article("Talks on Kursk", "2026-10-01"),
            "content/2026/10/photo-story/index.md": article("A photo story", "2026-10-02"),
            "content/2026/10/Named By Hand.md": article("Whatever", "2026-10-03", slug="chosen"),
        },
    )
    build_site(site)
    assert "Talks on Kursk" in page(site, "2026/10/01/kursk-talks")
    assert "A photo story" in page(site, "2026/10/02/photo-story")
    assert "Whatever" in page(site, "2026/10/03/chosen")
    path = site / "content/2026/10/kursk-talks.md"
    path.write_text(article("Kursk talks stall as both sides harden positions", "2026-10-01"))
    before = {name for name in output_files(site) if not name.startswith("pagefind/")}
    report = build_site(site)
    assert "both sides harden" in page(site, "2026/10/01/kursk-talks")
    assert {name for name in output_files(site) if not name.startswith("pagefind/")} == before
    assert report.warnings == ()


def test_slug_from_title_keeps_the_old_rule(site: Path) -> None:
    write_site(
        site,
        {"content/a.md": article("Talks on Kursk", "2026-10-01")},
        'slug_from = "title"\n',
    )
    build_site(site)
    assert "Talks on Kursk" in page(site, "2026/10/01/talks-on-kursk")


def test_a_url_the_last_build_published_that_is_gone_warns_with_the_line_to_add(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Moved", "2026-10-01", slug="first-slug"),
            "content/b.md": article("Removed", "2026-10-02"),
            "content/c.md": article("Drafted", "2026-10-03"),
            "content/d.md": article("Redirected", "2026-10-04"),
        },
    )
    build_site(site)
    (site / "content/a.md").write_text(article("Moved", "2026-10-01", slug="second-slug"))
    (site / "content/b.md").unlink()
    (site / "content/c.md").write_text(article("Drafted", "2026-10-03", draft="true"))
    (site / "content/d.md").write_text(
        article("Redirected", "2026-10-04", slug="new-d", aliases="[/2026/10/04/d/]")
    )
    assert main(["build", "--site", str(site)]) == 0
    err = capsys.readouterr().err
    assert "content/a.md: warning: its address moved from /2026/10/01/first-slug/ to " in err
    assert "add aliases: [/2026/10/01/first-slug/] to its front matter" in err
    assert "or slug: first-slug to keep the old address" in err
    assert "content/b.md: warning: was removed: its address /2026/10/02/b/ is gone" in err
    assert "content/c.md" not in err  # a draft was taken down on purpose
    assert "content/d.md" not in err  # its alias keeps the old address
    assert main(["build", "--site", str(site)]) == 0
    again = capsys.readouterr().err
    assert "moved" not in again and "removed" not in again  # said once, when it moved


def test_urls_moved_by_new_settings_are_named_too(site: Path) -> None:
    """New settings (or a new newsdigest) drop the build state; the URLs it published stay."""
    write_site(
        site, {"content/a.md": article("Talks on Kursk", "2026-10-01")}, 'slug_from = "title"'
    )
    build_site(site)
    (site / "pyproject.toml").write_text("[tool.newsdigest]\n")
    report = build_site(site)
    [warning] = report.warnings
    assert warning.path == "content/a.md"
    assert "aliases: [/2026/10/01/talks-on-kursk/]" in str(warning.hint)
    assert "slug: talks-on-kursk" in str(warning.hint)


def test_urls_published_by_an_older_newsdigest_are_named_too(site: Path) -> None:
    """The first build after an upgrade reads the URLs from a state of another layout."""
    import sqlite3

    write_site(
        site, {"content/a.md": article("Talks on Kursk", "2026-10-01")}, 'slug_from = "title"'
    )
    build_site(site)
    [state] = (site / ".newsdigest-cache/state").glob("*.sqlite")
    with sqlite3.connect(state) as db:
        [(entry,)] = db.execute("SELECT entry FROM sources")
        older = json.loads(entry)[:6]  # path, url, published, updated, topics, draft
        db.execute("UPDATE sources SET entry = ?", (json.dumps(older),))
        db.execute("UPDATE meta SET value = 'another newsdigest' WHERE name = 'key'")
    (site / "pyproject.toml").write_text("[tool.newsdigest]\n")
    [warning] = build_site(site).warnings
    assert "/2026/10/01/talks-on-kursk/ to /2026/10/01/a/" in warning.message


# -- redirects --------------------------------------------------------------------------------


def test_an_alias_writes_a_redirect_page_and_a_redirects_line(site: Path) -> None:
    write_site(
        site,
        {
            "content/kursk.md": article(
                "Kursk & the talks",
                "2026-10-01",
                aliases="[/2024/08/31/old-slug/, old/page.html, /older]",
            ),
            "content/pages/about.md": "---\ntitle: About\naliases: [/about-us/]\n---\nUs.\n",
        },
        f'base_url = "{BASE}"',
    )
    build_site(site)
    files = output_files(site)
    html = files["2024/08/31/old-slug/index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=/digest/2026/10/01/kursk/">' in html
    assert f'<link rel="canonical" href="{BASE}2026/10/01/kursk/">' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<a href="/digest/2026/10/01/kursk/">Kursk &amp; the talks</a>' in html
    assert "old/page.html" in files and "older/index.html" in files
    assert files["_redirects"].decode().splitlines() == [
        "/digest/2024/08/31/old-slug/ /digest/2026/10/01/kursk/ 301",
        "/digest/old/page.html /digest/2026/10/01/kursk/ 301",
        "/digest/older/ /digest/2026/10/01/kursk/ 301",
        "/digest/about-us/ /digest/about/ 301",
    ]
    sitemap = files["sitemap.xml"].decode()
    assert "old-slug" not in sitemap and "about-us" not in sitemap


def test_an_alias_on_another_page_is_an_error_naming_both_files(site: Path) -> None:
    write_site(
        site,
        {
            "content/one.md": article("One", "2026-10-01"),
            "content/two.md": article("Two", "2026-10-02", aliases="[/2026/10/01/one/]"),
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert problem.path == "content/two.md"
    assert "alias /2026/10/01/one/ is also the URL of content/one.md" in str(problem)


def test_two_aliases_on_one_url_are_an_error_naming_both_files(site: Path) -> None:
    write_site(
        site,
        {
            "content/one.md": article("One", "2026-10-01", aliases="[/old/]"),
            "content/two.md": article("Two", "2026-10-02", aliases="[/old/]"),
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    message = problems_of(failure.value)
    assert "content/two.md" in message and "the alias /old/ in content/one.md" in message


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("[https://example.org/x/]", "must be a path on this site"),
        ("[/]", "is the home page"),
        ("[/a b/]", "is not a URL"),
        ("{a: b}", "aliases must be a list of old URLs"),
    ],
)
def test_bad_aliases_are_errors_at_their_line(site: Path, aliases: str, message: str) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", aliases=aliases)})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert (problem.path, problem.line) == ("content/a.md", 4)
    assert message in problem.message


# -- pages ------------------------------------------------------------------------------------


def newsroom(site: Path, config: str = "") -> Path:
    return write_site(
        site,
        {
            "content/pages/about.md": (
                "---\ntitle: About the Ledger\nsummary: Who we are.\n---\nWe are a **digest**.\n"
            ),
            "content/one.md": article("One", "2026-10-01", topics="[NATO]", author="Jane Doe"),
            "content/two.md": article("Two", "2026-10-02", topics="[NATO]", source="AFP"),
        },
        f'title = "The Ledger"\nbase_url = "{BASE}"\n' + config,
    )


def test_a_page_is_at_its_slug_in_the_sitemap_and_in_no_list_or_feed(site: Path) -> None:
    newsroom(site)
    build_site(site)
    files = output_files(site)
    about = files["about/index.html"].decode()
    assert "<h1>About the Ledger</h1>" in about and "<strong>digest</strong>" in about
    assert f'<link rel="canonical" href="{BASE}about/">' in about
    assert '<meta property="og:title" content="About the Ledger">' in about
    assert json_ld(about)["@type"] == "WebPage"
    assert "datePublished" not in json_ld(about)
    assert f"<loc>{BASE}about/</loc>" in files["sitemap.xml"].decode()
    elsewhere = [
        name
        for name, data in files.items()
        if b"About the Ledger" in data and name not in ("about/index.html",)
    ]
    assert elsewhere == []  # no feed, day, month, topic, home or news sitemap names it
    assert not any(name.startswith("1970/") for name in files)


def test_pages_can_be_left_out_of_the_sitemap_and_put_in_search(site: Path) -> None:
    from newsdigest.config import load_config
    from newsdigest.content import read_article
    from newsdigest.pages import plan_pages
    from newsdigest.site import make_site

    newsroom(site, "[tool.newsdigest.pages]\nsitemap = false\nsearch = true\n")
    build_site(site)
    assert f"{BASE}about/" not in (site / "public/sitemap.xml").read_text()
    assert "data-pagefind-body" in page(site, "about")
    config = load_config(site)
    found, _ = read_article(site / "content/pages/about.md", config)
    assert found is not None
    from newsdigest.articles import entry_of

    plan, _ = plan_pages(make_site([entry_of(found)], config), config, [], [], found.published)
    assert [p.url for p in plan.pages if p.indexed] == ["about/"]


def test_a_page_may_ask_for_another_template(site: Path) -> None:
    newsroom(site)
    about = site / "content/pages/about.md"
    about.write_text("---\ntitle: About\ntemplate: wide.html\n---\nText.\n")
    (site / "templates").mkdir()
    (site / "templates/wide.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Wide: {{ article.title }}</h1>'
        "{{ body }}{% endblock %}"
    )
    build_site(site)
    assert "<h1>Wide: About</h1>" in page(site, "about")
    (site / "templates/wide.html").unlink()
    about.write_text("---\ntitle: About\n\ntemplate: wider.html\n---\nText.\n")
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert (problem.path, problem.line) == ("content/pages/about.md", 4)
    assert "template 'wider.html' is not one of the site's templates" in problem.message
    assert "page.html" in str(problem.hint)


def test_article_fields_on_a_page_warn_and_are_left_out(site: Path) -> None:
    write_site(site, {"content/pages/about.md": "---\ntitle: About\ntopics: [NATO]\n---\nX.\n"})
    report = build_site(site)
    [warning] = report.warnings
    assert (warning.path, warning.line) == ("content/pages/about.md", 3)
    assert "topics is not used on a page" in warning.message
    assert not (site / "public/topics/nato").exists()


# -- menus ------------------------------------------------------------------------------------

MENU = """
[[tool.newsdigest.menu]]
name = "About"
url = "/about/"
weight = 20
[[tool.newsdigest.menu]]
name = "Home"
url = ""
[[tool.newsdigest.menu]]
name = "Authors"
url = "authors/"
weight = 10
[[tool.newsdigest.menu]]
name = "Elsewhere"
url = "https://elsewhere.example/"
weight = 30
"""


def test_a_menu_from_the_settings_is_on_every_page_under_the_base_path(site: Path) -> None:
    newsroom(site, MENU)
    build_site(site)
    for name, data in output_files(site).items():
        if not name.endswith(".html") or b"http-equiv" in data or "/edition/" in name:
            continue  # redirect pages and e-mail editions have no menu
        html = data.decode()
        nav = html[html.index('<nav aria-label="Sections">') : html.index("</nav>")]
        assert re.findall(r'href="([^"]+)"', nav) == [
            "/digest/",
            "/digest/authors/",
            "/digest/about/",
            "https://elsewhere.example/",
        ], name
        footer = html[html.index('<footer class="site-footer">') :]
        assert '<a href="/digest/about/">About</a>' in footer, name
        assert "Topics</a>" not in nav
    about = page(site, "about")
    assert '<a href="/digest/about/" aria-current="page">About</a>' in about
    author = page(site, "authors/jane-doe")
    assert '<a href="/digest/authors/" aria-current="page">Authors</a>' in author
    assert page(site, "").count('aria-current="page"') == 1


def test_bad_menu_entries_are_named(site: Path) -> None:
    from newsdigest.config import load_config

    write_site(site, {}, '[[tool.newsdigest.menu]]\nname = "X"\nurl = "javascript:alert(1)"\n')
    with pytest.raises(BuildFailed) as failure:
        load_config(site)
    assert "menu, entry 1: 'X'" in problems_of(failure.value)


def test_a_menu_entry_for_the_archive_is_current_on_day_pages(site: Path) -> None:
    newsroom(site, '[[tool.newsdigest.menu]]\nname = "Archive"\nurl = "/archive/"\n')
    build_site(site)
    assert '<a href="/digest/archive/" aria-current="page">Archive</a>' in page(site, "2026/10")


def test_without_a_menu_the_navigation_stays_as_it_was(site: Path) -> None:
    newsroom(site)
    build_site(site)
    html = page(site, "2026/10/01")
    nav = html[html.index('<nav aria-label="Sections">') : html.index("</nav>")]
    assert [name for name in re.findall(r">([^<>]+)</a>", nav)] == [
        "Latest",
        "Topics",
        "Archive",
        "Search",
    ]
    assert '<a href="/digest/archive/" aria-current="page">Archive</a>' in nav


# -- authors and sources ----------------------------------------------------------------------


def people(site: Path) -> Path:
    files = {}
    for n in range(7):
        authors = ["Jane Doe"] if n % 2 == 0 else ["John Roe", "Jane Doe"] if n == 3 else []
        sources = ["AFP"] if n < 5 else ["Reuters", "AFP"] if n == 5 else []
        files[f"content/story-{n}.md"] = article(
            f"Story {n}",
            f"2026-10-{n + 1:02d}T09:00:00",
            f"Body {n}.",
            author=json.dumps(authors),
            source=json.dumps(sources),
            source_url=f"https://wire.example/{n}",
        )
    settings = f"""
title = "The Ledger"
base_url = "{BASE}"
per_page = 2
[tool.newsdigest.authors."Jane Doe"]
bio = "Jane covers the Baltic states."
url = "https://janedoe.example/"
photo = "people/jane.jpg"
[tool.newsdigest.sources.AFP]
description = "Agence France-Presse, the French news agency."
url = "https://www.afp.com/"
"""
    return write_site(site, files, settings)


def listed(site: Path, first: str) -> list[str]:
    """Every article an author's or source's pages list, newest first, page after page."""
    found = []
    url: str | None = first
    while url:
        html = page(site, url)
        found += teaser_links(html)
        older = re.search(r'<a class="older" rel="next" href="/digest/([^"]+)"', html)
        url = older.group(1) if older else None
    return found


def test_author_and_source_pages_list_exactly_their_articles(site: Path) -> None:
    people(site)
    build_site(site)
    jane = [f"/digest/2026/10/{n + 1:02d}/story-{n}/" for n in (6, 4, 3, 2, 0)]
    assert listed(site, "authors/jane-doe") == jane
    assert listed(site, "authors/john-roe") == ["/digest/2026/10/04/story-3/"]
    afp = [f"/digest/2026/10/{n + 1:02d}/story-{n}/" for n in (5, 4, 3, 2, 1, 0)]
    assert listed(site, "sources/afp") == afp
    assert listed(site, "sources/reuters") == ["/digest/2026/10/06/story-5/"]
    assert (site / "public/authors/jane-doe/page/1/index.html").is_file()  # paginated
    jane_page = page(site, "authors/jane-doe")
    assert "Jane covers the Baltic states." in jane_page
    assert '<img class="portrait" src="/digest/people/jane.jpg" alt="Portrait of Jane Doe"' in (
        jane_page
    )
    assert 'href="https://janedoe.example/" rel="me external"' in jane_page
    assert "5 articles, newest first." in jane_page
    assert "articles, newest first" not in page(site, "authors/jane-doe/page/1")  # sealed
    afp_page = page(site, "sources/afp")
    assert "Agence France-Presse, the French news agency." in afp_page
    assert 'href="https://www.afp.com/" rel="external"' in afp_page


def test_author_and_source_feeds_parse_and_hold_their_articles(site: Path) -> None:
    people(site)
    build_site(site)
    jane = feedparser.parse((site / "public/authors/jane-doe/feed.xml").read_bytes())
    assert not jane.bozo
    assert jane.feed.title == "Jane Doe · The Ledger"
    assert jane.feed.link == f"{BASE}authors/jane-doe/"
    assert [e.title for e in jane.entries] == [
        "Story 6",
        "Story 4",
        "Story 3",
        "Story 2",
        "Story 0",
    ]
    two = next(e for e in jane.entries if e.title == "Story 3")
    assert [a.name for a in two.authors] == ["John Roe", "Jane Doe"]
    assert two.authors[1].href == f"{BASE}authors/jane-doe/"
    reuters = feedparser.parse((site / "public/sources/reuters/feed.xml").read_bytes())
    assert not reuters.bozo and [e.title for e in reuters.entries] == ["Story 5"]
    afp = feedparser.parse((site / "public/sources/afp/feed.xml").read_bytes())
    assert len(afp.entries) == 6
    assert f'href="{BASE}sources/afp/feed.xml"' in page(site, "sources/afp")


def test_bylines_and_source_lines_link_to_their_pages(site: Path) -> None:
    people(site)
    build_site(site)
    html = page(site, "2026/10/04/story-3")
    assert (
        '<span class="byline">By <a href="/digest/authors/john-roe/" rel="author">John Roe</a>'
        ' and <a href="/digest/authors/jane-doe/" rel="author">Jane Doe</a></span>'
    ) in html
    assert '<a href="/digest/sources/afp/">AFP</a>' in html
    # The original article is still credited.
    assert '<a href="https://wire.example/3" rel="external">read the original article</a>' in html
    data = json_ld(html)
    assert data["author"] == [
        {"@type": "Person", "name": "John Roe", "url": f"{BASE}authors/john-roe/"},
        {
            "@type": "Person",
            "name": "Jane Doe",
            "url": f"{BASE}authors/jane-doe/",
            "sameAs": "https://janedoe.example/",
        },
    ]
    only_sources = json_ld(page(site, "2026/10/06/story-5"))["author"]
    assert only_sources == [
        {"@type": "Organization", "name": "Reuters", "url": f"{BASE}sources/reuters/"},
        {"@type": "Organization", "name": "AFP", "url": f"{BASE}sources/afp/"},
    ]


def test_author_and_source_indexes_count_their_articles(site: Path) -> None:
    people(site)
    build_site(site)
    authors = page(site, "authors")
    assert re.findall(
        r'<a href="/digest/authors/([^"/]+)/">[^<]+</a> <span class="count">(\d+)', authors
    ) == [
        ("jane-doe", "5"),
        ("john-roe", "1"),
    ]
    assert "Jane covers the Baltic states." in authors
    sources = page(site, "sources")
    assert re.findall(
        r'<a href="/digest/sources/([^"/]+)/">[^<]+</a> <span class="count">(\d+)', sources
    ) == [
        ("afp", "6"),
        ("reuters", "1"),
    ]
    sitemap = (site / "public/sitemap.xml").read_text()
    for url in ("authors/", "authors/jane-doe/", "sources/", "sources/afp/page/1/"):
        assert f"<loc>{BASE}{url}</loc>" in sitemap


def test_two_authors_on_one_url_are_an_error_with_a_way_out(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("A", "2026-10-01", author="José Díaz"),
            "content/b.md": article("B", "2026-10-02", author="Jose Diaz"),
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert "have the URL authors/jose-diaz/" in problem.message
    assert '[tool.newsdigest.authors."José Díaz"] slug' in str(problem.hint)
    (site / "pyproject.toml").write_text(
        '[tool.newsdigest]\n[tool.newsdigest.authors."José Díaz"]\nslug = "jose-diaz-2"\n'
    )
    build_site(site)
    assert "José Díaz" in page(site, "authors/jose-diaz-2")


# -- custom fields ----------------------------------------------------------------------------


def test_templates_read_extra_fields_of_articles_and_of_the_site(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article(
                "A", "2026-10-01", extra="{desk: Europe, priority: 2, tags: [x, y]}"
            ),
            "templates/article.html": (
                "<p>{{ article.extra.desk }}|{{ article.extra['priority'] + 1 }}|"
                "{{ article.extra.tags | join(',') }}|{{ site.extra.tagline }}</p>"
            ),
        },
        '[tool.newsdigest.extra]\ntagline = "All the news"\n',
    )
    report = build_site(site)
    assert report.warnings == ()  # extra is a known field
    assert page(site, "2026/10/01/a") == "<p>Europe|3|x,y|All the news</p>"


def test_unknown_fields_still_warn_and_point_to_extra(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", desk="Europe")})
    [warning] = build_site(site).warnings
    assert "unknown field 'desk'" in warning.message and "extra:" in str(warning.hint)


@pytest.mark.parametrize(
    "extra",
    ["[a, b]", "{a: null}", "{a: {b: {c: {d: {e: {f: {g: {h: {i: {j: {k: 1}}}}}}}}}}}", "{1: a}"],
)
def test_bad_extra_fields_are_errors_at_their_line(site: Path, extra: str) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", extra=extra)})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert (problem.path, problem.line) == ("content/a.md", 4)
    assert problem.message.startswith("extra")


# -- metadata ---------------------------------------------------------------------------------


def test_json_ld_leaves_empty_keys_out_and_names_the_publisher(site: Path) -> None:
    write_site(
        site,
        {
            "content/bare.md": article("Bare", "2026-10-01"),
            "content/full.md": article(
                "Full",
                "2026-10-02",
                image="{src: photo.jpg, alt: Tanks in a field}",
                source_url="https://wire.example/full",
                topics="[NATO]",
            ),
            "content/photo.jpg": b"\xff\xd8",
        },
        f'title = "The Ledger"\nbase_url = "{BASE}"\nlanguage = "en-GB"\n'
        '[tool.newsdigest.publisher]\nurl = "https://ledger.example/"\nlogo = "logo.png"\n',
    )
    build_site(site)
    bare = json_ld(page(site, "2026/10/01/bare"))
    assert not {"image", "isBasedOn", "keywords"} & set(bare)
    assert bare["publisher"] == {
        "@type": "Organization",
        "name": "The Ledger",
        "url": "https://ledger.example/",
        "logo": {"@type": "ImageObject", "url": f"{BASE}logo.png"},
    }
    assert bare["author"] == [bare["publisher"]]
    html = page(site, "2026/10/02/full")
    full = json_ld(html)
    assert full["image"] == [f"{BASE}photo.jpg"]
    assert full["isBasedOn"] == "https://wire.example/full"
    for needle in (
        '<meta property="og:locale" content="en_GB">',
        '<meta property="og:image:alt" content="Tanks in a field">',
        '<meta name="twitter:card" content="summary_large_image">',
    ):
        assert needle in html
    assert '<meta name="twitter:card" content="summary">' in page(site, "2026/10/01/bare")


def test_a_caption_and_credit_without_a_photo_warn_and_are_credited(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article(
                "A", "2026-10-01", image="{caption: Troops near Kursk., credit: KIN CHEUNG / AFP}"
            )
        },
    )
    [warning] = build_site(site).warnings
    assert (warning.path, warning.line) == ("content/a.md", 4)
    assert "caption and credit but no src" in warning.message
    html = page(site, "2026/10/01/a")
    assert "<img" not in html
    assert (
        '<p class="photo-credit">Photo: Troops near Kursk. '
        '<span class="credit">KIN CHEUNG / AFP</span></p>'
    ) in html


# -- theme ------------------------------------------------------------------------------------


def test_day_pages_have_one_rel_next_and_older_is_on_the_right_everywhere(site: Path) -> None:
    files = {
        f"content/{day}-{n}.md": article(
            f"Day {day} story {n}", f"2026-10-{day:02d}T{9 + n:02d}:00"
        )
        for day in (1, 2, 3)
        for n in range(3 if day == 2 else 1)
    }
    write_site(site, files, "per_page = 1")
    build_site(site)
    for name, data in output_files(site).items():
        if name.endswith(".html"):
            html = data.decode()
            assert html.count('rel="next"') <= 1 and html.count('rel="prev"') <= 1, name
    for html in (page(site, "2026/10/02"), page(site, "2026/10/02/2-1"), page(site, "2026/10/03")):
        links = re.findall(r'<a class="(newer|older)"[^>]*>([^<]*(?:<span>[^<]*</span>)?)', html)
        for kind, text in links:
            assert ("←" in text) == (kind == "newer") and ("→" in text) == (kind == "older")
    day = page(site, "2026/10/02")  # paginated: the day links carry no rel
    assert re.search(r'<a class="older" href="/2026/10/01/">', day)
    single = page(site, "2026/10/03")
    assert '<a class="older" rel="next" href="/2026/10/02/">' in single
    story = page(site, "2026/10/02/2-1")
    assert '<a class="newer" rel="prev" href="/2026/10/02/2-2/"><span>← Newer</span>' in story
    assert '<a class="older" rel="next" href="/2026/10/02/2-0/"><span>Older →</span>' in story


def test_the_home_page_names_the_site_once(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")}, 'title = "The Ledger"')
    build_site(site)
    home = page(site, "")
    body = home[home.index("<body") :]
    assert body.count("The Ledger") == 2  # the masthead and the footer, not the h1
    assert "<h1>Latest</h1>" in home


def test_a_default_favicon_that_a_site_can_replace(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    build_site(site)
    assert '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' in page(site, "")
    assert (site / "public/favicon.svg").read_bytes().startswith(b"<svg")
    (site / "static").mkdir()
    (site / "static/favicon.svg").write_text("<svg>mine</svg>")
    build_site(site)
    assert (site / "public/favicon.svg").read_text() == "<svg>mine</svg>"


def test_the_newsroom_builds_to_the_same_bytes_twice(site: Path, tmp_path: Path) -> None:
    from newsdigest.config import load_config
    from newsdigest.pipeline import BuildOptions, build

    people(site)
    (site / "content/pages").mkdir()
    (site / "content/pages/about.md").write_text("---\ntitle: About\naliases: [/us/]\n---\nUs.\n")
    outputs = []
    for name in ("first", "second"):
        config = load_config(site, {"output_dir": str(tmp_path / name)})
        build(config, BuildOptions(jobs=1, search=False))
        outputs.append(output_files(tmp_path, name))
    assert outputs[0] == outputs[1] and "us/index.html" in outputs[0]
