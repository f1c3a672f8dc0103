"""A digest in every language: the theme's words from catalogs, dates from CLDR, each article
marked with its own language wherever it is shown."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po
from conftest import article, build_site, problems_of, write_site

from newsdigest import language
from newsdigest.catalogs import DOMAIN, SETTINGS_WORDS, shipped_folder, theme_messages
from newsdigest.config import load_config
from newsdigest.errors import BuildFailed
from newsdigest.pages import words

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("en", "de", "fr", "es", "it", "pt", "ru", "uk", "pl")
BASE = "https://example.org/"


def newsroom(site: Path, settings: str = "", **extra: str) -> Path:
    """Five articles on two days (one of them in Ukrainian), a topic, an author and a source."""
    files = {
        "content/a.md": article("Talks resume", "2026-09-02T08:00:00", topics="[Ukraine]",
                                author="Jane Doe", source="AFP"),
        "content/b.md": article("Gas prices fall", "2026-09-02T09:30:00", topics="[Ukraine]"),
        "content/c.md": article("Ministers meet", "2026-09-02T11:00:00", topics="[Ukraine]"),
        "content/d.md": article("Громади отримали генератори", "2026-09-03T10:00:00",
                                topics="[Ukraine]", lang="uk", summary="Нові генератори."),
        "content/e.md": article("Rates held", "2026-09-03T12:00:00", topics="[Ukraine]"),
        **extra,
    }  # fmt: skip
    config = f'title = "Ledger"\nbase_url = "{BASE}"\ntimezone = "Europe/Berlin"\n' + settings
    write_site(site, files, config)
    return site


def page(site: Path, url: str) -> str:
    return (site / "public" / url / "index.html").read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The page's words as a reader sees them: tags out, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- the site's language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Aktuell", "Themen", "Archiv", "Suche", "Zum Inhalt springen", "3 Artikel"]),
        ("ru", ["Свежее", "Темы", "Архив", "Поиск", "Перейти к содержанию", "3 статьи"]),
    ],
)
def test_a_site_in_german_or_russian_has_translated_navigation_and_babel_dates(
    site: Path, language: str, words: list[str]
) -> None:
    build_site(newsroom(site, f'language = "{language}"\n'))
    home = page(site, "")
    assert f'<html lang="{language}">' in home
    for word in words:
        assert word in text_of(home), word
    for english in ("Latest", "Skip to content", "By month", "3 articles"):
        assert english not in text_of(home), english
    # Dates as Babel writes them in CLDR's words for the language.
    # A date that stands alone as a heading starts with a capital: "Среда, 2 сентября 2026 г."
    day = format_date(date(2026, 9, 2), "full", locale=language)
    heading = day[0].upper() + day[1:]
    assert f'<time datetime="2026-09-02">{heading}</time>' in home
    assert f'<h1><time datetime="2026-09-02">{heading}</time></h1>' in page(site, "2026/09/02")
    assert format_date(date(2026, 9, 2), "full", locale="en") not in home
    month = format_skeleton("yMMMM", date(2026, 9, 2), locale=language)
    assert f"<h1>{month[0].upper() + month[1:]}</h1>" in page(site, "2026/09")
    story = page(site, "2026/09/02/a")
    assert f'">{heading}, 08:00</time>' in story


def test_titles_and_descriptions_made_in_python_are_translated(site: Path) -> None:
    build_site(newsroom(site, 'language = "de"\nper_page = 2\n'))
    day = page(site, "2026/09/02")
    label = format_date(date(2026, 9, 2), "full", locale="de")
    assert f'<meta name="description" content="Der Nachrichtenüberblick vom {label}">' in day
    assert "<title>Archiv · Ledger</title>" in page(site, "archive")
    assert "Artikel von Jane Doe" in page(site, "authors/jane-doe")
    assert "Artikel zum Thema Ukraine" in page(site, "topics/ukraine")
    assert "<title>Ukraine (Seite 1) · Ledger</title>" in page(site, "topics/ukraine/page/1")
    feed = (site / "public/topics/ukraine/feed.xml").read_text(encoding="utf-8")
    assert "<title>Ukraine · Ledger</title>" in feed


def test_russian_counts_take_the_three_plural_forms(site: Path) -> None:
    stories = {
        f"content/{n}.md": article(f"Story {n}", f"2026-09-{1 + n // 10:02d}T{8 + n % 10:02d}:00")
        for n in range(26)
    }  # ten on 1 and 2 September, six on the 3rd
    write_site(site, stories, f'language = "ru"\nbase_url = "{BASE}"\nhome_days = 3\n')
    build_site(site)
    home = text_of(page(site, ""))
    assert "6 статей" in home and "10 статей" in home
    assert "26 статей." in text_of(page(site, "2026"))
    said = words(load_config(site))
    forms = {n: said.ngettext("%(num)d article", "%(num)d articles", n) for n in (1, 3, 11, 21, 22)}
    assert forms == {1: "1 статья", 3: "3 статьи", 11: "11 статей", 21: "21 статья",
                     22: "22 статьи"}  # fmt: skip


def test_feeds_sitemaps_and_structured_data_keep_machine_formats(site: Path) -> None:
    build_site(newsroom(site, 'language = "ru"\n'))
    feed = (site / "public/feed.xml").read_text(encoding="utf-8")
    assert "<published>2026-09-03T12:00:00+02:00</published>" in feed
    assert json.loads((site / "public/feed.json").read_text())["language"] == "ru"
    sitemap = (site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert "<lastmod>2026-09-03T12:00:00+02:00</lastmod>" in sitemap
    story = page(site, "2026/09/03/e")
    assert '"datePublished": "2026-09-03T12:00:00+02:00"' in story


def test_an_unknown_language_falls_back_to_english_with_a_warning(site: Path) -> None:
    newsroom(site, 'language = "xx"\n')
    [warning] = [w for w in load_config(site).warnings if "language" in w.message]
    assert warning.path == "pyproject.toml" and not warning.is_error
    assert "[tool.newsdigest] language" in warning.message and "'xx'" in warning.message
    build_site(site)
    home = page(site, "")
    assert "Latest" in home and "Skip to content" in home
    assert format_date(date(2026, 9, 2), "full", locale="en") in home


def test_a_language_without_a_catalog_has_its_own_dates_and_english_words(site: Path) -> None:
    newsroom(site, 'language = "nl"\n')
    [warning] = [w for w in load_config(site).warnings if "language" in w.message]
    assert "no Dutch translation" in warning.message
    assert "locale/nl/LC_MESSAGES/site.po" in str(warning.hint)
    build_site(site)
    home = page(site, "")
    assert "Latest" in home and "Woensdag 2 september 2026" in home


# -- a site's own catalog -----------------------------------------------------------------------

SITE_PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Latest"
msgstr "Neueste Meldungen"

msgid "About us"
msgstr "Über uns"

msgid "%(num)d article"
msgid_plural "%(num)d articles"
msgstr[0] "%(num)d Meldung"
msgstr[1] "%(num)d Meldungen"
"""


def test_a_site_catalog_overrides_one_string_and_keeps_the_others(site: Path) -> None:
    menu = '[[tool.newsdigest.menu]]\nname = "Latest"\nurl = "/"\n'
    menu += '[[tool.newsdigest.menu]]\nname = "About us"\nurl = "/about/"\n'
    newsroom(site, 'language = "de"\n' + menu,
             **{"locale/de/LC_MESSAGES/site.po": SITE_PO})  # fmt: skip
    build_site(site)
    home = page(site, "")
    assert "<h1>Neueste Meldungen</h1>" in home
    assert ">Über uns</a>" in home  # a menu name of the site's own, translated
    assert "3 Meldungen" in text_of(home) and "2 Meldungen" in text_of(home)  # both forms
    assert "Zum Inhalt springen" in home  # newsdigest's German for the rest
    assert "<h1>Aktuell</h1>" not in home


def test_a_site_catalog_adds_a_language_newsdigest_lacks(site: Path) -> None:
    dutch = SITE_PO.replace("Neueste Meldungen", "Laatste nieuws").replace("Über uns", "Over ons")
    newsroom(site, 'language = "nl"\n', **{"locale/nl/LC_MESSAGES/site.po": dutch})
    assert not [w for w in load_config(site).warnings if "language" in w.message]
    build_site(site)
    home = page(site, "")
    assert "<h1>Laatste nieuws</h1>" in home
    assert "Skip to content" in home  # what it does not translate stays English


def test_a_translation_with_a_placeholder_of_its_own_fails_naming_its_line(site: Path) -> None:
    broken = SITE_PO + '\nmsgid "Articles by %(name)s"\nmsgstr "Artikel von %(nmae)s"\n'
    newsroom(site, 'language = "de"\n', **{"locale/de/LC_MESSAGES/site.po": broken})
    with pytest.raises(BuildFailed) as failure:
        load_config(site)
    [problem] = failure.value.problems
    line = broken[: broken.index('msgid "Articles by')].count("\n") + 1
    assert problem.path == "locale/de/LC_MESSAGES/site.po" and problem.line == line
    assert "'nmae'" in problem.message


def test_a_catalog_that_is_not_a_po_file_fails_naming_its_line(site: Path) -> None:
    broken = SITE_PO + '\nmsgid "Latest"\nthis is not a PO line\n'
    newsroom(site, 'language = "de"\n', **{"locale/de/LC_MESSAGES/site.po": broken})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    line = broken[: broken.index("this is not")].count("\n") + 1
    assert f"locale/de/LC_MESSAGES/site.po:{line}: error: not a valid PO file" in problems_of(
        failure.value
    )


# -- each article's language --------------------------------------------------------------------


def test_an_article_in_another_language_says_so_in_teasers_and_feeds(site: Path) -> None:
    build_site(newsroom(site))
    for url in ("", "2026/09/03", "2026/09", "topics/ukraine"):
        html = page(site, url)
        assert '<article class="teaser" lang="uk">' in html, url
        assert html.count('<article class="teaser" lang=') == 1, url  # the others are the site's
    atom = (site / "public/feed.xml").read_text(encoding="utf-8")
    assert atom.count("<entry") == 5 and atom.count('<entry xml:lang="uk">') == 1
    items = json.loads((site / "public/feed.json").read_text())["items"]
    assert [item.get("language") for item in items if "language" in item] == ["uk"]
    topic_feed = (site / "public/topics/ukraine/feed.xml").read_text(encoding="utf-8")
    assert '<entry xml:lang="uk">' in topic_feed


def test_an_article_page_is_dated_in_its_own_language(site: Path) -> None:
    build_site(newsroom(site, 'language = "de"\n'))
    story = page(site, "2026/09/03/d")
    assert '<html lang="uk">' in story
    dateline = format_date(date(2026, 9, 3), "full", locale="uk")  # середа, 3 вересня 2026 р.
    assert f'">{dateline[0].upper() + dateline[1:]}, 10:00</time>' in story
    # The site's own words around it stay German, and say so.
    assert '<header class="masthead" lang="de">' in story
    assert '<aside class="related" lang="de"' in story


def test_a_right_to_left_article_runs_right_to_left_on_its_page_and_in_teasers(site: Path) -> None:
    arabic = article("محادثات جديدة", "2026-09-03T13:00:00", topics="[Ukraine]", lang="ar")
    build_site(newsroom(site, **{"content/f.md": arabic}))
    story = page(site, "2026/09/03/f")
    assert '<html lang="ar" dir="rtl">' in story
    assert '<header class="masthead" lang="en" dir="ltr">' in story  # the site's words do not
    home = page(site, "")
    assert '<article class="teaser" lang="ar" dir="rtl">' in home
    assert '<p class="teaser-meta" lang="en" dir="ltr">' in home


def test_a_right_to_left_site_runs_right_to_left_everywhere(site: Path) -> None:
    build_site(newsroom(site, 'language = "he"\n'))
    assert '<html lang="he" dir="rtl">' in page(site, "")
    assert '<html lang="he" dir="rtl">' in page(site, "archive")
    assert '<article class="teaser" lang="uk" dir="ltr">' in page(site, "")


# -- the shipped catalogs ------------------------------------------------------------------------


def shipped_catalog(language: str):  # type: ignore[no-untyped-def]
    path = shipped_folder() / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        return read_po(file, locale=language)


def keys(catalog) -> set[tuple[str | None, object]]:  # type: ignore[no-untyped-def]
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


def test_newsdigest_ships_a_catalog_for_each_language_it_promises() -> None:
    from newsdigest.catalogs import shipped_languages

    assert set(SHIPPED) <= set(shipped_languages())


@pytest.mark.parametrize("language", SHIPPED)
def test_every_theme_message_is_translated_in_each_shipped_catalog(language: str) -> None:
    extracted = keys(theme_messages(REPO / "templates", REPO / "newsdigest"))
    assert {(None, word) for word in SETTINGS_WORDS} <= extracted
    catalog = shipped_catalog(language)
    assert keys(catalog) == extracted, "run scripts/messages.py and translate what it adds"
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: no translation of {message.id!r}"
        assert not message.fuzzy, f"{language}: {message.id!r} is marked fuzzy"
        if isinstance(message.string, tuple):
            assert len(strings) == catalog.num_plurals, message.id


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_translation_keeps_the_placeholders_of_its_message(language: str) -> None:
    from newsdigest.catalogs import message_problem

    for message in shipped_catalog(language):
        if message.id:
            assert message_problem(message) is None, (language, message.id)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            needed = set(re.findall(r"%\((\w+)\)", ids[-1])) - {"num"}
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                assert needed <= set(re.findall(r"%\((\w+)\)", text)), (language, text)


def test_a_path_in_the_sites_locale_folder_is_a_change_of_the_settings(site: Path) -> None:
    from newsdigest.catalogs import is_site_catalog

    assert is_site_catalog(site / "locale", site)
    assert is_site_catalog(site / "locale/de/LC_MESSAGES/site.po", site)
    assert not is_site_catalog(site / "content/locale.md", site)
    assert load_config(newsroom(site)).locale_dir == site / "locale"


@pytest.mark.parametrize("tag", ["en", "de", "ru", "uk", "ja", "ar", "pt-BR", "zh-Hant", "xx"])
def test_day_names_are_babels_own_skeleton_formats(tag: str) -> None:
    """The pattern for a skeleton is picked once per language; the words are Babel's."""
    locale = language.locale_of(tag)
    for day in (date(2026, 1, 1), date(2026, 3, 4), date(2024, 2, 29), date(1999, 12, 31)):
        assert language.month_and_year(day, tag) == format_skeleton("yMMMM", day, locale=locale)
        assert language.weekday_and_day(day, tag) == format_skeleton(
            "MMMMEEEEd", day, locale=locale
        )
