"""The Jinja environment: the site's templates over the default theme, autoescaped, strict."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError, meta
from markupsafe import Markup

from newsdigest import language
from newsdigest.articles import Asset
from newsdigest.config import Config
from newsdigest.pictures import Gallery
from newsdigest.structured import article_data
from newsdigest.urls import clean_url, join_base
from newsdigest.words import words_for


def theme_dir() -> Path:
    """The default theme: inside the installed package, or the repository's top level."""
    packaged = Path(__file__).parent / "theme"
    if (packaged / "templates").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


def theme_templates() -> Path:
    return theme_dir() / "templates"


def theme_static() -> Path:
    return theme_dir() / "static"


def base_path(base_url: str) -> str:
    """The path part of base_url, which every internal link starts with: '/digest/'."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def fingerprinted(static: list[Asset]) -> tuple[list[Asset], dict[str, str]]:
    """Stylesheets and scripts renamed after their content (style.css -> style.1a2b3c4d5e.css).

    Hosts can then let browsers cache them for good: a changed file gets a new name, and the
    pages that use it name the new one. Templates ask for them by their plain name: asset().
    """
    renamed: list[Asset] = []
    names: dict[str, str] = {}
    for item in static:
        stem, dot, suffix = item.url.rpartition(".")
        if dot and suffix in ("css", "js"):
            digest = hashlib.sha256(item.source.read_bytes()).hexdigest()[:10]
            names[item.url] = f"{stem}.{digest}.{suffix}"
            item = Asset(item.source, names[item.url])
        renamed.append(item)
    return renamed, names


# The key, among the template digests, of the digest of every template's source together: no
# template (and no page, whose template is "" when it has none) has this name.
ALL_TEMPLATES = "\0every template"


def template_digests(config: Config, last: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each template's digest, covering the templates it extends, includes and imports.

    A template that names another by a value computed while rendering gets the digest of
    every template: any of them might be the one it uses. `last`: the digests of the last
    build, given back as they are when no template's source changed (parsing every template
    to find what it references is most of the cost).
    """
    environment = make_environment(config)
    sources: dict[str, str] = {}
    for name in environment.list_templates():
        source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
        sources[name] = f"{filename}\0{source}"
    everything = _hash("\0".join(f"{n}\0{sources[n]}" for n in sorted(sources)))
    if last is not None and last.get(ALL_TEMPLATES) == everything:
        return dict(last)
    direct: dict[str, set[str] | None] = {}
    for name, text in sources.items():
        source = text.partition("\0")[2]
        try:
            found = set(meta.find_referenced_templates(environment.parse(source)))
            direct[name] = None if None in found else {str(n) for n in found}
        except TemplateSyntaxError:  # reported with its file and line when a page uses it
            direct[name] = set()
    digests = {ALL_TEMPLATES: everything}
    for name in sources:
        seen: set[str] = set()
        stack = [name]
        dynamic = False
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            referenced = direct.get(current, set())
            if referenced is None:
                dynamic = True
                break
            stack.extend(referenced)
        digests[name] = (
            everything
            if dynamic
            else _hash("\0".join(f"{n}\0{sources.get(n, '')}" for n in sorted(seen)))
        )
    return digests


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def make_environment(
    config: Config, asset_names: dict[str, str] | None = None, gallery: Gallery | None = None
) -> Environment:
    """Templates from the site's folder first, then the theme's, so a site overrides by name.

    `gallery` gives templates the site's images; the renderer keeps it up to date (Jinja
    copies globals into the templates it imports, so the functions stay and it changes).
    """
    folders = [str(config.templates_dir), str(theme_templates())]
    environment = Environment(
        loader=FileSystemLoader(folders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    prefix = base_path(config.base_url)
    site_language = config.language
    words = words_for(config.site_dir, site_language, config.catalogs)
    # {% trans %}, _() and ngettext() in templates; a trans block's text is taken with its
    # whitespace collapsed, so templates can wrap long sentences.
    environment.add_extension("jinja2.ext.i18n")
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        words.translations, newstyle=True
    )
    environment.globals.update(
        site=config,
        url=lambda relative="": prefix + clean_url(str(relative)),
        asset=lambda name: prefix + clean_url((asset_names or {}).get(name) or name),
        absolute_url=lambda relative="": join_base(config.base_url, str(relative)),
        topic_url=lambda name: prefix + f"topics/{config.topic_slug(name)}/",
        # The pages of an author and of a source; absolute=true for meta tags.
        author_url=lambda name, absolute=False: _page_url(
            config, f"authors/{config.author_slug(name)}/", absolute
        ),
        source_page_url=lambda name, absolute=False: _page_url(
            config, f"sources/{config.source_slug(name)}/", absolute
        ),
        # A URL from the settings (a photo, a logo, a menu link): http(s) as written, else a
        # path on the site.
        link=lambda target: _link(prefix, str(target)),
        # ` lang="uk"` (and ` dir="rtl"`) for text in another language than what holds it.
        lang_attributes=lambda lang, within=None: lang_attributes(
            str(lang), site_language if within is None else str(within)
        ),
        text_direction=lambda lang=None: language.direction(str(lang or site_language)),
        # A menu name from the settings in the site's language when a catalog translates it
        # (the default menu's names, "Latest", "Topics"...); as written when none does.
        menu_name=lambda name: words.translations.gettext(str(name)) if name else "",
        # A number for each plural category of the site's language, for script in the page.
        plural_samples=language.plural_samples(site_language),
    )
    environment.globals.update(picture_globals(config, gallery or Gallery({}, config)))

    def dated(form: Callable[[Any, str], str]) -> Callable[..., str]:
        """A date filter in the site's language, or in the one named: `longdate(article.lang)`."""
        return lambda moment, lang=None: form(moment, str(lang or site_language))

    environment.filters.update(
        isodate=_isodate,
        longdate=dated(language.long_date),
        shortdate=dated(language.short_date),
        monthyear=dated(language.month_and_year),
        monthname=dated(language.month_name),
        weekdate=dated(language.weekday_and_day),
        clock=dated(language.clock),
        longdatetime=dated(language.long_date_and_time),
        shortdatetime=dated(language.short_date_and_time),
        upperfirst=language.upper_first,
        tojson_ld=_json_ld,
    )
    return environment


def lang_attributes(lang: str, within: str) -> Markup:
    """The attributes text in `lang` needs inside an element in `within`: none when they are
    the same language, `lang` when not, and `dir` when the two run different ways."""
    if not lang or lang == within:
        return Markup("")
    attributes = Markup(' lang="{}"').format(lang)
    if language.direction(lang) != language.direction(within):
        attributes += Markup(' dir="{}"').format(language.direction(lang))
    return attributes


def picture_globals(config: Config, gallery: Gallery) -> dict[str, Any]:
    """What templates know of the site's images in one build (pictures.py): `picture(url)`,
    the image's sizes and copies, or none; `social_card(article)`, the image of a page's
    social card (article may be none); `json_ld(article)`, with that image."""
    return {
        "picture": gallery.view,
        "social_card": gallery.card,
        "json_ld": lambda article: _json_ld(article_data(article, config, gallery.card(article))),
    }


def _link(prefix: str, target: str) -> str:
    return target if urlsplit(target).scheme else prefix + clean_url(target)


def _page_url(config: Config, relative: str, absolute: bool) -> str:
    if absolute:
        return join_base(config.base_url, relative)
    return base_path(config.base_url) + relative


def _isodate(moment: datetime) -> str:
    return moment.isoformat()


def _json_ld(value: Any) -> Markup:
    """JSON safe inside <script>: no '</script>' or '<!--' can end the element early."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)
