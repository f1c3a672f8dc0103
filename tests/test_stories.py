"""One event told by several agencies is one story: grouped from each article's sketch, shown
once on day and home pages with every report, and named on each report's page."""

from __future__ import annotations

import random
import re
import shutil
import tomllib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import article, build_site, problems_of, write_site

from newsdigest.articles import Article, entry_of
from newsdigest.config import load_config
from newsdigest.content import read_article
from newsdigest.errors import BuildFailed
from newsdigest.stories import (
    LEAD_WORDS,
    SPAN,
    WINDOW,
    group_list,
    group_stories,
    same_event,
    sketch,
    story_id,
)

LABELLED = Path(__file__).parent / "fixtures" / "stories"
BASE = "https://stories.example.org/"


def labelled() -> tuple[dict[str, Article], dict[str, str]]:
    """The labelled set's articles by file stem, and each one's event."""
    config = load_config(LABELLED)
    articles = {}
    for path in sorted((LABELLED / "content").rglob("*.md")):
        found, problems = read_article(path, config)
        assert found is not None, problems
        articles[path.stem] = found
    events = {
        name: event
        for event, table in tomllib.loads((LABELLED / "labels.toml").read_text())["events"].items()
        for name in table["reports"]
    }
    return articles, events


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    """The labelled set as a site of its own."""
    site = tmp_path / "site"
    shutil.copytree(LABELLED, site, ignore=shutil.ignore_patterns(".newsdigest-cache"))
    return site


def page(site: Path, url: str) -> str:
    return (site / "public" / url / "index.html").read_text(encoding="utf-8")


def url_of(found: Article) -> str:
    return found.url


# -- grouping -------------------------------------------------------------------------------


def test_the_labelled_set_groups_every_story_and_merges_no_lookalike() -> None:
    articles, events = labelled()
    assert len(articles) >= 30
    stories = group_stories(articles.values())
    for name, found in articles.items():
        reports = {other for other in articles if events[other] == events[name]}
        story = stories.get(found.path)
        if len(reports) == 1:
            assert story is None, name  # a look-alike or a lone report stays alone
        else:
            assert story is not None, name
            assert set(story.paths) == {articles[other].path for other in reports}, name


def test_grouping_is_the_same_whatever_the_order_of_the_articles() -> None:
    articles, _ = labelled()
    expected = group_stories(articles.values())
    shuffled = list(articles.values())
    random.Random(3).shuffle(shuffled)
    assert group_stories(shuffled) == expected
    assert group_stories(entry_of(found) for found in shuffled) == expected


def test_a_story_keeps_its_id_when_a_later_report_joins_it() -> None:
    articles, _ = labelled()
    first, second, third = (articles[f"lyon-fire-{name}"] for name in ("afp", "reuters", "dpa"))
    before = group_stories([first, second])
    after = group_stories([first, second, third])
    assert before[first.path].id == after[first.path].id == story_id(first.path)
    assert after[third.path].paths == (first.path, second.path, third.path)  # oldest first


def test_reports_further_apart_than_the_window_are_not_linked() -> None:
    articles, _ = labelled()
    first, second = articles["bavaria-train-dpa"], articles["bavaria-train-afp"]
    assert group_stories([first, second])
    later = replace(second, published=first.published + WINDOW + timedelta(minutes=1))
    assert group_stories([first, later]) == {}
    assert SPAN >= WINDOW


def test_a_sketch_is_small_and_made_of_the_headline_and_lead_only() -> None:
    lead = "Firefighters in Lyon fought a blaze at a warehouse in Vaise, the Rhône prefecture said."
    lead = " ".join([lead] * (LEAD_WORDS // 10))  # longer than the lead that is read
    text = sketch("Fire in Lyon", lead + "\n\n" + "Later paragraph. " * 500)
    assert len(text) < 400  # kept on every entry: small
    assert text == sketch("Fire in Lyon", lead + "\n\n" + "Another tail entirely. " * 500)
    assert text != sketch("Fire in Lyon", "Another lead. " + lead)
    assert same_event(text, sketch("Lyon warehouse fire", lead))


def test_list_groups_keep_the_list_order_and_put_reports_together() -> None:
    articles, _ = labelled()
    stories = group_stories(articles.values())
    paths = [articles[name].path for name in ("lyon-fire-dpa", "marseille-fire-ap")]
    paths += [articles["lyon-fire-afp"].path, articles["tesla-berlin-reuters"].path]
    assert group_list(paths, stories) == (
        (paths[0], paths[2]),
        (paths[1],),
        (paths[3],),
    )


# -- front matter -----------------------------------------------------------------------------


def test_story_in_front_matter_overrides_the_grouping(newsroom: Path) -> None:
    content = newsroom / "content/2025/03"
    # One report kept out; two unrelated articles put into one story by hand.
    text = (content / "lyon-fire-dpa.md").read_text()
    (content / "lyon-fire-dpa.md").write_text(text.replace("topics:", "story: none\ntopics:"))
    for name in ("tesla-berlin-reuters", "dutch-tulips-afp"):
        text = (content / f"{name}.md").read_text()
        (content / f"{name}.md").write_text(text.replace("topics:", "story: Odd Pair\ntopics:"))
    config = load_config(newsroom)
    found = {p.stem: read_article(p, config)[0] for p in sorted(content.glob("*.md"))}
    stories = group_stories(a for a in found.values() if a is not None)
    assert found["lyon-fire-dpa"] is not None and found["lyon-fire-dpa"].story == "none"
    assert found["lyon-fire-dpa"].path not in stories
    assert len(stories[found["lyon-fire-afp"].path].paths) == 2  # the other two stay together
    pair = stories[found["tesla-berlin-reuters"].path]  # type: ignore[union-attr]
    assert pair.id == "odd-pair" and pair.by_hand
    assert pair is stories[found["dutch-tulips-afp"].path]  # type: ignore[union-attr]
    build_site(newsroom)
    report = page(newsroom, found["dutch-tulips-afp"].url)  # type: ignore[union-attr]
    assert 'data-story="odd-pair"' in report and "Also reported by" in report
    kept_out = page(newsroom, found["lyon-fire-dpa"].url)  # type: ignore[union-attr]
    assert "data-story" not in kept_out and "Also reported by" not in kept_out


@pytest.mark.parametrize("value", ['""', "[a, b]", "'!!!'", "x" * 81])
def test_a_story_that_is_no_name_is_an_error_at_its_line(site: Path, value: str) -> None:
    write_site(site, {"content/a.md": article("A", "2025-03-10", story=value)})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert "content/a.md:4: error: story" in problems_of(failure.value)


# -- pages ------------------------------------------------------------------------------------


def test_each_report_marks_its_story_and_lists_the_other_reports(newsroom: Path) -> None:
    articles, events = labelled()
    build_site(newsroom)
    for name, found in articles.items():
        html = page(newsroom, found.url)
        others = [a for n, a in articles.items() if events[n] == events[name] and n != name]
        if not others:
            assert "data-story" not in html and "Also reported by" not in html, name
            continue
        [story] = re.findall(r'<article class="story"[^>]* data-story="([^"]+)"', html)
        assert story == group_stories(articles.values())[found.path].id
        also = html.split("Also reported by", 1)[1].split("</aside>", 1)[0]
        for other in others:
            assert f'href="/{other.url}"' in also, (name, other.path)
            assert other.source is not None and other.source in also
            assert other.published.strftime("%H:%M") in also
            assert f'datetime="{other.published.isoformat()}"' in also
        assert f'href="/{found.url}"' not in also  # not itself


def test_day_and_home_pages_show_each_story_once_with_all_its_sources(newsroom: Path) -> None:
    articles, _ = labelled()
    build_site(newsroom)
    stories = group_stories(articles.values())
    home = page(newsroom, "")
    for url, html in [("2025/03/10/", page(newsroom, "2025/03/10/")), ("", home)]:
        for name in ("lyon-fire-afp", "marseille-fire-ap"):
            story = stories[articles[name].path]
            assert html.count(f'data-story="{story.id}"') == 1, (url, name)
            teaser = html.split(f'data-story="{story.id}"', 1)[1].split("</article>", 1)[0]
            for path in story.paths:
                report = next(a for a in articles.values() if a.path == path)
                assert f'href="/{report.url}"' in teaser
                assert report.source is not None and report.source in teaser
    lyon = html_sources(page(newsroom, "2025/03/10/"), stories[articles["lyon-fire-afp"].path].id)
    assert lyon == "AFP, Reuters, dpa"  # in the order they came in
    # Every article of the day is on its day page once, in a teaser or a story's report list.
    day = page(newsroom, "2025/03/10/")
    for found in articles.values():
        if found.published.date().isoformat() == "2025-03-10":
            assert day.count(f'href="/{found.url}"') in (1, 2), found.path  # headline and report


def html_sources(html: str, story: str) -> str:
    teaser = html.split(f'data-story="{story}"', 1)[1]
    return re.search(r'<span class="source">([^<]*)</span>', teaser).group(1)  # type: ignore[union-attr]


def test_a_story_over_two_days_is_shown_on_each_day_with_that_days_reports(
    newsroom: Path,
) -> None:
    articles, _ = labelled()
    build_site(newsroom)
    first, second = articles["portugal-election-afp"], articles["portugal-election-reuters"]
    assert first.published.date() != second.published.date()
    assert f'href="/{first.url}"' in page(newsroom, "2025/03/10/")
    assert f'href="/{second.url}"' in page(newsroom, "2025/03/11/")
    assert f'href="/{second.url}"' not in page(newsroom, "2025/03/10/")
    # The report pages still name each other.
    assert f'href="/{second.url}"' in page(newsroom, first.url).split("Also reported by")[1]


def test_a_long_day_is_paginated_between_stories_never_inside_one(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(LABELLED / "content", site / "content")
    write_site(site, {}, f'base_url = "{BASE}"\ntimezone = "Europe/Paris"\nper_page = 1')
    build_site(site)
    pages = [page(site, "2025/03/10/")] + [
        p.read_text() for p in sorted((site / "public/2025/03/10/page").glob("*/index.html"))
    ]
    articles, _ = labelled()
    lyon = group_stories(articles.values())[articles["lyon-fire-afp"].path]
    holding = [html for html in pages if f'data-story="{lyon.id}"' in html]
    assert len(holding) == 1 and holding[0].count("<article") == 1
