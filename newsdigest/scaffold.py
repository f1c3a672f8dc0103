"""`new` and `init`: files a person would otherwise copy from another site by hand.

Front matter is written with yaml.safe_dump so that any title (quotes, colons, `#`, non-Latin
letters) comes back exactly as typed when the file is loaded.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from newsdigest.urls import slugify


def front_matter(fields: dict[str, object]) -> str:
    """A `---` block in the field order given, readable and safe to load back."""
    lines = []
    for key, value in fields.items():
        if key in ("date", "updated"):  # ISO text reads better unquoted and loads as a date
            lines.append(f"{key}: {value}\n")
        else:
            lines.append(
                yaml.safe_dump(  # lists inline as [a, b], scalars as key: value
                    {key: value},
                    allow_unicode=True,
                    default_flow_style=None if isinstance(value, list) else False,
                    width=1000,
                )
            )
    return "---\n" + "".join(lines) + "---\n"


def new_article(
    content_dir: Path,
    title: str,
    now: datetime,
    *,
    topics: list[str] | None = None,
    source: str | None = None,
    source_url: str | None = None,
) -> Path:
    """Create content/YYYY/MM/<slug>.md for an article dated `now`; never overwrite a file."""
    slug = slugify(title)
    if not slug:
        raise ValueError(f"cannot make a file name from the title {title!r}; give a longer title")
    path = content_dir / f"{now:%Y}" / f"{now:%m}" / f"{slug}.md"
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another title or edit that file")
    fields: dict[str, object] = {
        "title": title,
        "date": now.replace(microsecond=0).isoformat(),
        "topics": list(topics or []),
    }
    if source:
        fields["source"] = source
    if source_url:
        fields["source_url"] = source_url
    fields["draft"] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "Write the article here. The first paragraph becomes the summary.\n"
    with path.open("x", encoding="utf-8") as handle:  # "x": a race still never overwrites
        handle.write(front_matter(fields) + "\n" + body)
    return path


SITE_README = """\
# {title}

A news digest built with newsdigest. To work on it, install newsdigest (see its README),
then run these commands in this folder:

    newsdigest build            # the site goes to public/
    newsdigest serve            # preview at http://127.0.0.1:8000/ while you write
    newsdigest new "A title"    # a new article in content/
    newsdigest check            # broken links, missing images, front matter
    newsdigest clean            # remove public/ and the cache

- `content/`: articles as Markdown with front matter; images beside them.
- `templates/`, `static/`: a file here overrides the default theme's file of the same name.
- `pyproject.toml`: the `[tool.newsdigest]` settings (title, base_url, timezone, topics...).
"""

SITE_CONFIG = """\
[tool.newsdigest]
title = {title}
description = "A daily digest."
base_url = {base_url}
# "en" writes American dates; "en-GB" day-month ones. de, es, fr, it, pl, pt, ru and uk
# also translate the theme.
language = "en"
timezone = "UTC"

# Topic rules for `newsdigest import`: whole-word keywords, case-insensitive.
# [tool.newsdigest.topics.Climate]
# description = "Heat, floods and the energy transition."
# keywords = ["climate", "emissions"]
"""

WELCOME = """\
This is your first article. Edit it, or delete it and run `newsdigest new "A title"`.

Articles are Markdown files with front matter. **Bold**, _italic_, [links](https://example.org)
and lists all work:

- `topics` give each topic a page and a feed;
- `source` and `source_url` credit the original;
- a plain `date` means that day in the site's time zone.
"""


def init_site(
    site_dir: Path,
    title: str | None = None,
    now: datetime | None = None,
    base_url: str = "/",
) -> list[Path]:
    """Create a site folder that builds at once with the default theme; returns what it wrote."""
    if site_dir.exists() and not site_dir.is_dir():
        raise FileExistsError(f"{site_dir} is a file; choose a new folder")
    if site_dir.exists() and any(site_dir.iterdir()):
        raise FileExistsError(f"{site_dir} exists and is not empty; choose a new folder")
    title = title or "My News Digest"
    now = now or datetime.now().astimezone()
    files: dict[str, str] = {
        "pyproject.toml": SITE_CONFIG.format(
            title=toml_string(title), base_url=toml_string(base_url)
        ),
        "README.md": SITE_README.format(title=title),
        ".gitignore": "public/\n.public.*\n.newsdigest-cache/\n",
        "templates/.gitkeep": "",
        "static/.gitkeep": "",
        f"content/{now:%Y}/{now:%m}/welcome.md": front_matter(
            {"title": "Welcome to your news digest", "date": f"{now:%Y-%m-%d}", "topics": ["Site"]}
        )
        + "\n"
        + WELCOME,
    }
    created = []
    for name, text in files.items():
        path = site_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created


def toml_string(text: str) -> str:
    """A TOML basic string; json escaping is a subset TOML accepts."""
    return json.dumps(text, ensure_ascii=False)
