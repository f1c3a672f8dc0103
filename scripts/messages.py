"""Keep newsdigest's message catalogs in step with the theme: extract every message of the
templates and of the Python that writes for readers, add the new ones (untranslated) to each
catalog in newsdigest/locale/ and drop those no longer used. Translate the new messages, then
run the tests: tests/test_languages.py fails while any shipped catalog misses a translation.

    python scripts/messages.py            # update every catalog
    python scripts/messages.py --new nl   # start a catalog for another language
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsdigest.catalogs import DOMAIN, shipped_folder, theme_messages  # noqa: E402


def catalog_path(language: str) -> Path:
    return shipped_folder() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        # No line numbers: a template edit then changes only the messages it changes.
        write_po(file, catalog, width=100, include_lineno=False, ignore_obsolete=True)


def update(language: str, template: Catalog) -> Catalog:
    path = catalog_path(language)
    if path.is_file():
        with path.open("rb") as file:
            catalog = read_po(file, locale=language)
        created = catalog.creation_date
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project="newsdigest")
        created = template.creation_date
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.creation_date = created
    catalog.revision_date = created
    catalog.fuzzy = False
    name = catalog.locale.english_name if catalog.locale else language
    catalog.header_comment = (
        f"# The words of newsdigest's theme in {name}.\n"
        "# Kept in step with the templates by scripts/messages.py."
    )
    catalog.version = ""
    catalog.project = "newsdigest"
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = ""
    catalog.last_translator = "newsdigest"
    catalog.language_team = "newsdigest"
    return catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--new", metavar="LANG", help="start a catalog for this language")
    options = parser.parse_args()
    template = theme_messages(REPO / "templates", REPO / "newsdigest")
    languages = sorted(path.parent.parent.name for path in shipped_folder().glob("*/*/*.po"))
    if options.new:
        languages = [options.new]
    for language in languages:
        catalog = update(language, template)
        save(catalog, catalog_path(language))
        missing = [m for m in catalog if m.id and not _translated(m.string)]
        print(f"{language}: {len(catalog)} messages, {len(missing)} to translate")


def _translated(string: object) -> bool:
    if isinstance(string, (list, tuple)):
        return all(string)
    return bool(string)


if __name__ == "__main__":
    main()
