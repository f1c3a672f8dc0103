"""One engine, two ways to call it: `serve` keeps the state in memory and names the changed
paths, `build` loads it from the cache and looks at every file. Both render only what an edit
shows, and always give what a fresh build from scratch gives, byte for byte."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import article, output_files, write_site

from newsdigest.articles import Selection
from newsdigest.config import load_config
from newsdigest.errors import BuildFailed, errors_in
from newsdigest.pipeline import BuildOptions, BuildReport, build, publish
from newsdigest.preview import Preview

BASE = "http://127.0.0.1:9/"
TOPICS = ["NATO", "Ukraine", "Energy", "Climate"]


def newsroom(count: int = 40) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for index in range(count):
        topics = [TOPICS[index % 4]] + ([TOPICS[(index + 1) % 4]] if index % 3 == 0 else [])
        files[f"content/2025/story-number-{index}.md"] = article(
            f"Story number {index}",
            f"2025-{9 + index % 3:02d}-{1 + index % 9:02d}T{8 + index % 10:02d}:00:00",
            f"First paragraph of story {index}.\n\nSecond paragraph.",
            topics="[" + ", ".join(topics) + "]",
            source="AFP",
        )
    files["content/2025/chart.svg"] = "<svg xmlns='http://www.w3.org/2000/svg'></svg>"
    return files


class Command:
    """`newsdigest build` run again and again: the state comes from the cache each time, and
    every file is looked at (the paths are not named)."""

    def __init__(self, site_dir: Path, output: Path, selection: Selection) -> None:
        self.site_dir = site_dir
        self.output = output
        self.selection = selection
        self.searched = False

    def rebuild(self, changed: set[Path] | None = None) -> BuildReport:
        config = load_config(self.site_dir, {"base_url": BASE, "output_dir": str(self.output)})
        options = BuildOptions(
            selection=self.selection, jobs=1, fingerprint=False, search=self.searched
        )
        return publish(config, options)

    def index(self) -> BuildReport:
        self.searched = True
        return self.rebuild()


Engine = Preview | Command


@pytest.fixture(params=["serve", "build"])
def dev(site: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    write_site(site, newsroom(), "per_page = 4\nhome_days = 3")
    if request.param == "serve":
        dev: Engine = Preview(site, tmp_path / "dev", {"base_url": BASE}, Selection(drafts=True))
    else:
        dev = Command(site, tmp_path / "dev", Selection(drafts=True))
    dev.rebuild()
    return dev


def assert_same_as_full(dev: Engine, tmp_path: Path, search: bool = False) -> None:
    """The output equals a fresh build's from scratch (the search index only when asked)."""
    reference = tmp_path / "full"
    shutil.rmtree(reference, ignore_errors=True)
    config = load_config(dev.site_dir, {"base_url": BASE, "output_dir": str(reference)})
    # The dev server keeps plain stylesheet names, so that a CSS change swaps live.
    drafts = Selection(drafts=True)
    build(config, BuildOptions(selection=drafts, jobs=1, search=search, fingerprint=False))
    expected = output_files(tmp_path, "full")
    if search:
        dev.index()
    served = {
        name: data
        for name, data in output_files(tmp_path, "dev").items()
        if search or not name.startswith("pagefind/")
    }
    assert sorted(served) == sorted(expected)
    assert [name for name in expected if served[name] != expected[name]] == []


def edit(path: Path, old: str, new: str) -> set[Path]:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return {path}


def test_a_body_edit_renders_the_article_page_alone(dev: Engine, tmp_path: Path) -> None:
    path = dev.site_dir / "content/2025/story-number-12.md"
    result = dev.rebuild(edit(path, "Second paragraph.", "A new second paragraph."))
    # Its page, and the feeds that carry full articles; not the lists that show its summary.
    assert result.rendered <= 1 + 2 + 2  # the page, the site's two feeds, two topic feeds
    assert result.written >= 1
    assert_same_as_full(dev, tmp_path, search=True)


def test_a_new_summary_renders_the_lists_showing_the_article_not_their_other_pages(
    dev: Engine, tmp_path: Path
) -> None:
    path = dev.site_dir / "content/2025/story-number-12.md"
    before = output_files(tmp_path, "dev")
    result = dev.rebuild(edit(path, "First paragraph of story 12.", "A new first paragraph."))
    after = output_files(tmp_path, "dev")
    changed = {name for name in after if before.get(name) != after[name]}
    showing = {name for name, data in after.items() if b"A new first paragraph." in data}
    topic_pages = {n for n in after if n.startswith("topics/") and n.endswith("/index.html")}
    assert changed & topic_pages == showing & topic_pages != set()  # not their other pages
    assert result.rendered == result.written == len(changed)  # nothing rendered in vain
    assert b"A new first paragraph." in (tmp_path / "dev/2025/09/04/index.html").read_bytes()
    assert_same_as_full(dev, tmp_path)


def test_a_new_title_keeps_the_url_and_renders_only_what_shows_it(
    dev: Engine, tmp_path: Path
) -> None:
    path = dev.site_dir / "content/2025/story-number-7.md"
    before = output_files(tmp_path, "dev")
    result = dev.rebuild(edit(path, "Story number 7", "Story number seven"))
    page = tmp_path / "dev/2025/10/08/story-number-7/index.html"
    assert "Story number seven" in page.read_text(encoding="utf-8")
    assert result.removed == 0
    after = output_files(tmp_path, "dev")
    changed = {name for name in after if before.get(name) != after[name]}
    showing = {name for name, data in after.items() if b"Story number seven" in data}
    topic_pages = {n for n in after if n.startswith("topics/") and n.endswith("/index.html")}
    assert changed & topic_pages == showing & topic_pages != set()  # only what shows it
    assert result.rendered == result.written == len(changed)
    assert_same_as_full(dev, tmp_path, search=True)


def test_a_new_slug_moves_the_page_with_a_warning_until_an_alias_redirects(
    dev: Engine, tmp_path: Path
) -> None:
    path = dev.site_dir / "content/2025/story-number-7.md"
    result = dev.rebuild(edit(path, "title: 'Story number 7'", "title: 'Seven'\nslug: seven"))
    assert (tmp_path / "dev/2025/10/08/seven/index.html").is_file()
    assert not (tmp_path / "dev/2025/10/08/story-number-7/index.html").exists()
    assert result.removed == 1
    [warning] = [w for w in result.warnings if "moved" in w.message]
    assert warning.path == "content/2025/story-number-7.md" and not warning.is_error
    assert "/2025/10/08/story-number-7/ to /2025/10/08/seven/" in warning.message
    assert "aliases: [/2025/10/08/story-number-7/]" in str(warning.hint)
    assert "slug: story-number-7" in str(warning.hint)
    result = dev.rebuild(
        edit(path, "slug: seven", "slug: seven\naliases: [/2025/10/08/story-number-7/]")
    )
    assert not [w for w in result.warnings if "moved" in w.message]
    old = (tmp_path / "dev/2025/10/08/story-number-7/index.html").read_text(encoding="utf-8")
    assert '<meta http-equiv="refresh" content="0; url=/2025/10/08/seven/">' in old
    assert "Seven</a>" in old
    redirects = (tmp_path / "dev/_redirects").read_text(encoding="utf-8")
    assert redirects == "/2025/10/08/story-number-7/ /2025/10/08/seven/ 301\n"
    assert_same_as_full(dev, tmp_path)
    dev.rebuild(edit(path, "\naliases: [/2025/10/08/story-number-7/]", ""))
    assert not (tmp_path / "dev/_redirects").exists()
    assert_same_as_full(dev, tmp_path)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Story number 5'", "Story number five'"),  # the same URL
        ("Story number 5'", "Story number five'\nslug: story-number-five"),  # a new URL
        ("First paragraph of story 5.", "A changed first paragraph."),
        ("topics: [Ukraine]", "topics: [Ukraine, NATO]"),
        ("date: 2025-11-06T13:00:00", "date: 2024-01-02T10:00:00"),
        ("source: AFP", "source: Reuters\nauthor: Jane Doe\ndraft: true\nupdated: 2025-12-01"),
        ("source: AFP", "source: [AFP, Reuters]\nauthor: [Jane Doe, John Roe]"),
        ("source: AFP", "author: Jane Doe"),  # no source page for this one any more
        ("topics: [Ukraine]", "topics: [Ukraine]\naliases: [/old/five/, /2025/01/01/five/]"),
        ("topics: [Ukraine]", "topics: [Ukraine]\nextra: {desk: Europe, rank: [1, 2]}"),
        ("topics: [Ukraine]", "topics: [Ukraine]\ntemplate: page.html"),
        ("title: 'Story number 5'", "title: 'Story number 5'\nslug: story-number-14"),  # a URL
        # collision...
    ],
)
def test_each_kind_of_article_edit(dev: Engine, tmp_path: Path, old: str, new: str) -> None:
    path = dev.site_dir / "content/2025/story-number-5.md"
    try:
        dev.rebuild(edit(path, old, new))
    except BuildFailed:
        assert "story-number-14" in new  # ...fails, then the fix builds
        dev.rebuild(edit(path, new, old))
    assert_same_as_full(dev, tmp_path)


def test_a_template_error_writes_nothing_and_the_fix_recovers(dev: Engine, tmp_path: Path) -> None:
    before = output_files(tmp_path, "dev")
    template = dev.site_dir / "templates/topic.html"
    template.parent.mkdir()
    template.write_text('{% extends "base.html" %}\n{% block main %}{{ topic.name }\n')
    with pytest.raises(BuildFailed) as failure:
        dev.rebuild({template})
    assert (failure.value.problems[0].path, failure.value.problems[0].line) == (
        "templates/topic.html",
        2,
    )
    assert output_files(tmp_path, "dev") == before
    # An article edit while the template is broken still reports it...
    with pytest.raises(BuildFailed):
        dev.rebuild(edit(dev.site_dir / "content/2025/story-number-10.md", "Second", "Other"))
    template.unlink()
    dev.rebuild({template})  # ...and the fix builds everything the edits changed.
    assert_same_as_full(dev, tmp_path)


def test_random_edits_always_give_what_a_full_build_gives(dev: Engine, tmp_path: Path) -> None:
    """Seeded random batches of the edits writers make, compared after every rebuild."""
    rnd = random.Random(8)
    content = dev.site_dir / "content/2025"
    serial = 0
    failures = 0

    def change(path: Path) -> None:
        nonlocal serial
        serial += 1
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        kind = rnd.choice(["title", "body", "summary", "topics", "date", "draft", "slug"])
        lines = [line for line in head.split("\n") if not line.startswith(kind + ":")]
        if kind == "title":
            lines.append(f"title: 'Retitled {rnd.choice(['a', serial, serial])}'")
        elif kind == "body":
            body += f"\nAdded {serial}.\n"
        elif kind == "summary":
            body = f"Changed {serial}. " + body
        elif kind == "topics":
            lines.append(f"topics: [{', '.join(rnd.sample(TOPICS, rnd.randint(0, 2)))}]")
        elif kind == "date":
            month, day = rnd.randint(9, 11), rnd.randint(1, 3)
            lines.append(f"date: 2025-{month:02d}-{day:02d}T{serial % 24:02d}:00")
        elif kind == "draft":
            lines.append(f"draft: {rnd.choice(['true', 'false'])}")
        else:
            lines.append(f"slug: s{rnd.choice([1, serial, serial])}")
        path.write_text("\n".join(lines) + "\n---\n" + body, encoding="utf-8")

    for _step in range(25):
        files = sorted(content.glob("*.md"))
        batch = set()
        for path in rnd.sample(files, rnd.choice([1, 1, 1, 2, 3])):
            change(path)
            batch.add(path)
        if rnd.random() < 0.15:
            gone = rnd.choice(files)
            gone.unlink()
            batch.add(gone)
        if rnd.random() < 0.15:
            added = content / f"added-{serial}.md"
            added.write_text(article(f"Added {serial}", "2025-10-02T10:00:00", topics="[NATO]"))
            batch.add(added)
        before = output_files(tmp_path, "dev")
        try:
            dev.rebuild(batch)
        except BuildFailed as failure:
            # Two articles on one URL: the output stays as it was; a later step moves one.
            problems = errors_in(failure.problems)
            assert all("also the URL" in p.message for p in problems), problems
            assert output_files(tmp_path, "dev") == before
            failures += 1
            continue
        assert_same_as_full(dev, tmp_path)
    assert failures < 15  # most steps build


def test_a_new_article_changes_only_the_newest_pages_of_its_lists(
    dev: Engine, tmp_path: Path
) -> None:
    """Lists are numbered from their oldest page: a new article leaves sealed pages alone."""
    before = output_files(tmp_path, "dev")
    sealed = sorted(name for name in before if name.startswith("topics/nato/page/"))
    assert len(sealed) >= 2  # NATO has sealed pages to leave alone
    added = dev.site_dir / "content/2025/new.md"
    added.write_text(article("Fresh news", "2025-11-30T12:00:00", topics="[NATO]"))
    dev.rebuild({added})
    after = output_files(tmp_path, "dev")
    changed = {name for name in after if before.get(name) != after[name]}
    lists = {name for name in changed if name.startswith(("topics/nato/", "2025/11/page/"))}
    newest = {"topics/nato/index.html", "topics/nato/feed.xml"}
    # Only the newest pages, and the newest sealed page when the newest page filled up.
    assert lists - newest <= {sealed[-1]} | {n for n in after if n not in before}
    assert all(before[name] == after[name] for name in sealed[:-1])
    assert_same_as_full(dev, tmp_path)


@pytest.mark.parametrize("engine", ["serve", "build"])
def test_a_field_added_to_article_reaches_the_pages_that_show_it(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """A developer adds `kicker` to Article, reads it from front matter and shows it in a
    template, touching nothing of the incremental build: a change of it alone must still reach
    every page that shows it, in both ways of building."""
    import dataclasses
    import re

    from newsdigest import cache, content
    from newsdigest.articles import Article

    kicker = dataclasses.field(default="")
    extended = dataclasses.make_dataclass(
        "Article", [("kicker", "str", kicker)], bases=(Article,), frozen=True, slots=True
    )
    read = content.read_article

    def read_with_kicker(path: Path, config: object) -> tuple[object, list[object]]:
        found, problems = read(path, config)  # type: ignore[arg-type]
        if found is None:
            return found, problems
        written = re.search(r"^kicker: (.*)$", path.read_text(), re.MULTILINE)
        values = {f.name: getattr(found, f.name) for f in dataclasses.fields(Article)}
        return extended(**values, kicker=written.group(1) if written else ""), problems

    monkeypatch.setattr(content, "read_article", read_with_kicker)
    monkeypatch.setattr(content, "FIELDS", (*content.FIELDS, "kicker"))
    monkeypatch.setitem(cache._RECORDS, "Article", extended)
    cache._codec.cache_clear()
    files = newsroom(12)
    files["templates/day.html"] = (
        '{% extends "base.html" %}{% block main %}'
        "{% for a in pager.items %}<p>{{ a.title }}: {{ a.kicker }}</p>{% endfor %}{% endblock %}"
    )
    path = "content/2025/story-number-4.md"
    files[path] = files[path].replace("source: AFP", "source: AFP\nkicker: First")
    write_site(site, files)
    if engine == "serve":
        dev: Engine = Preview(site, tmp_path / "dev", {"base_url": BASE}, Selection(drafts=True))
    else:
        dev = Command(site, tmp_path / "dev", Selection(drafts=True))
    dev.rebuild()
    day = tmp_path / "dev/2025/10/05/index.html"
    assert "Story number 4: First" in day.read_text()
    (site / path).write_text((site / path).read_text().replace("kicker: First", "kicker: Second"))
    dev.rebuild({site / path})
    assert "Story number 4: Second" in day.read_text()
    assert_same_as_full(dev, tmp_path)
    cache._codec.cache_clear()


def test_pages_aliases_and_newsroom_settings_give_what_a_full_build_gives(
    dev: Engine, tmp_path: Path
) -> None:
    site = dev.site_dir
    about = site / "content/pages/about.md"
    about.parent.mkdir(parents=True)
    settings = site / "pyproject.toml"
    steps: list[tuple[str, Path, str]] = [
        ("add a page", about, "---\ntitle: About\n---\nWho we are.\n"),
        ("retitle it", about, "---\ntitle: About us\nsummary: Us.\n---\nWho we are.\n"),
        ("move it", about, "---\ntitle: About us\nslug: us\naliases: [/about/]\n---\nUs.\n"),
        ("date it", about, "---\ntitle: About us\nslug: us\nupdated: 2025-12-01\n---\nUs.\n"),
        (
            "describe an author and a source",
            settings,
            settings.read_text()
            + '\n[tool.newsdigest.authors."Jane Doe"]\nbio = "Jane."\n'
            + '[tool.newsdigest.sources.AFP]\ndescription = "The agency."\n'
            + '[[tool.newsdigest.menu]]\nname = "About"\nurl = "/us/"\n',
        ),
    ]
    for _label, path, text in steps:
        path.write_text(text, encoding="utf-8")
        dev.rebuild({path})
        assert_same_as_full(dev, tmp_path)
    story = site / "content/2025/story-number-3.md"
    dev.rebuild(edit(story, "source: AFP", "source: AFP\nauthor: [Jane Doe, John Roe]"))
    assert_same_as_full(dev, tmp_path)
    about.unlink()
    dev.rebuild({about})
    assert_same_as_full(dev, tmp_path)


LABELLED = Path(__file__).parent / "fixtures" / "stories" / "content" / "2025" / "03"


def test_stories_change_as_reports_come_and_go_as_a_full_build_gives(
    dev: Engine, tmp_path: Path
) -> None:
    """A story is structure: a report that joins or leaves it changes the day page, the home
    page, the edition and every report's page, in both ways of building."""
    content = dev.site_dir / "content/2025/03"
    content.mkdir(parents=True)
    reports = {name: content / f"lyon-fire-{name}.md" for name in ("afp", "reuters", "dpa")}

    def add(*names: str) -> set[Path]:
        for name in names:
            reports[name].write_text((LABELLED / reports[name].name).read_text())
        return {reports[name] for name in names}

    def day() -> str:
        return (tmp_path / "dev/2025/03/10/index.html").read_text(encoding="utf-8")

    dev.rebuild(add("afp", "reuters"))  # two agencies: a story
    assert_same_as_full(dev, tmp_path)
    [story] = set(re.findall(r'data-story="([^"]+)"', day()))
    dev.rebuild(add("dpa"))  # a third report joins it, under the same id
    assert_same_as_full(dev, tmp_path)
    assert re.findall(r'data-story="([^"]+)"', day()) == [story]
    assert day().count('<article class="teaser') == 1
    edition = (tmp_path / "dev/2025/03/10/edition.txt").read_text(encoding="utf-8")
    assert "Reported by AFP, Reuters, dpa" in edition
    # Moved out by hand: it stands alone, the other two stay one story.
    dev.rebuild(edit(reports["reuters"], "topics:", "story: none\ntopics:"))
    assert_same_as_full(dev, tmp_path)
    assert day().count('<article class="teaser') == 2
    # Rewritten to tell something else, the last report leaves the story, which is no more.
    reports["dpa"].write_text(
        article(
            "Tokyo shares close higher",
            "2025-03-10T09:02:00+01:00",
            "Japanese shares rose on Monday as exporters gained on a weaker yen in Tokyo.",
            source="dpa",
        )
    )
    dev.rebuild({reports["dpa"]})
    assert_same_as_full(dev, tmp_path)
    assert "data-story" not in day()
    reports["afp"].unlink()
    dev.rebuild({reports["afp"]})
    assert_same_as_full(dev, tmp_path)


CATALOG = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Latest"
msgstr "{latest}"

msgid "Articles about %(name)s"
msgstr "{about}"
"""


def test_a_new_language_gives_what_a_full_build_gives(dev: Engine, tmp_path: Path) -> None:
    settings = dev.site_dir / "pyproject.toml"
    story = dev.site_dir / "content/2025/story-number-3.md"
    for language in ("de", "ru", "uk"):
        dev.rebuild(
            edit(settings, "[tool.newsdigest]\n", f'[tool.newsdigest]\nlanguage = "{language}"\n')
        )
        assert f'<html lang="{language}">' in (tmp_path / "dev/index.html").read_text()
        assert_same_as_full(dev, tmp_path)
        dev.rebuild(edit(story, "topics: [", f"lang: {language}\ntopics: ["))
        assert_same_as_full(dev, tmp_path)
        dev.rebuild(edit(settings, f'language = "{language}"\n', ""))
        dev.rebuild(edit(story, f"lang: {language}\n", ""))
    assert_same_as_full(dev, tmp_path)


@pytest.mark.parametrize("engine", ["serve", "build"])
def test_a_changed_site_catalog_gives_what_a_full_build_gives(
    site: Path, tmp_path: Path, engine: str
) -> None:
    write_site(site, newsroom(16), 'per_page = 4\nlanguage = "de"\n')
    if engine == "serve":
        dev: Engine = Preview(site, tmp_path / "dev", {"base_url": BASE}, Selection(drafts=True))
    else:
        dev = Command(site, tmp_path / "dev", Selection(drafts=True))
    dev.rebuild()
    catalog = site / "locale/de/LC_MESSAGES/site.po"
    catalog.parent.mkdir(parents=True)
    steps = [
        CATALOG.format(latest="Neueste Meldungen", about="Alles über %(name)s"),
        CATALOG.format(latest="Heute", about="Alles über %(name)s"),
        CATALOG.format(latest="Heute", about=""),  # untranslated again: newsdigest's German
    ]
    for text in steps:
        catalog.write_text(text, encoding="utf-8")
        dev.rebuild({catalog})
        assert_same_as_full(dev, tmp_path)
    home = (tmp_path / "dev/index.html").read_text(encoding="utf-8")
    assert "<h1>Heute</h1>" in home
    catalog.unlink()
    dev.rebuild({catalog})
    assert "<h1>Aktuell</h1>" in (tmp_path / "dev/index.html").read_text(encoding="utf-8")


def test_images_replaced_added_and_removed_give_what_a_full_build_gives(
    dev: Engine, tmp_path: Path
) -> None:
    """A photo is an input of the pages that show it: its size, its copies and its removal
    reach them in both ways of building, as a full build gives them."""
    from test_images import photo

    folder = dev.site_dir / "content/2025"
    story = folder / "story-number-5.md"
    lead, chart = folder / "photo.jpg", folder / "chart.png"
    page = tmp_path / "dev/2025/11/06/story-number-5/index.html"

    def put(path: Path, data: bytes) -> set[Path]:
        path.write_bytes(data)
        return {path}

    dev.rebuild(put(lead, photo(1600, 1000)) | edit(story, "source: AFP", "source: AFP\n"
                "image: {src: photo.jpg, alt: A photo}"))  # fmt: skip
    assert 'width="1600" height="1000"' in page.read_text()
    assert_same_as_full(dev, tmp_path)
    dev.rebuild(put(lead, photo(900, 1200)))  # another size: the pages that show it change
    assert 'width="900" height="1200"' in page.read_text()
    assert not (tmp_path / "dev/2025/photo-1200w.jpg").exists()
    assert_same_as_full(dev, tmp_path)
    dev.rebuild(put(lead, photo(900, 1200, gps=False)))  # the same size, other bytes
    assert_same_as_full(dev, tmp_path)
    body = edit(story, "Second paragraph.", "Second paragraph.\n\n![A chart](chart.png)")
    dev.rebuild(put(chart, photo(700, 500, "PNG")) | body)
    assert 'width="700" height="500"' in page.read_text()
    assert_same_as_full(dev, tmp_path)
    dev.rebuild(put(chart, photo(500, 700, "PNG")))
    assert 'width="500" height="700"' in page.read_text()
    assert_same_as_full(dev, tmp_path)
    lead.unlink()
    dev.rebuild({lead})
    assert not (tmp_path / "dev/2025/photo.jpg").exists()
    assert_same_as_full(dev, tmp_path)
    dev.rebuild(put(lead, photo(2000, 1000)))
    assert (tmp_path / "dev/2025/photo-1200w.jpg").exists()
    assert_same_as_full(dev, tmp_path)
    assert_same_as_full(dev, tmp_path)
