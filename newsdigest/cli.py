"""Commands and flags; prints problems; exit status 0 success, 1 build errors, 2 usage errors."""

from __future__ import annotations

import argparse
import errno
import gc
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from newsdigest import __version__
from newsdigest.articles import Selection
from newsdigest.cache import load_state
from newsdigest.config import (
    Config,
    base_url_problem,
    base_url_warnings,
    enclosing_site,
    is_site,
    load_config,
)
from newsdigest.errors import BuildFailed, Problem, UsageError
from newsdigest.output import beside, guard_output
from newsdigest.pipeline import BuildOptions, BuildReport, publish

# A build makes, and keeps until it ends, hundreds of thousands of small objects (the entries,
# pages and state of a 10,000-article site). At Python's default threshold (700 new objects)
# the cycle collector walks them hundreds of times a build, a tenth of an everyday build's
# time. Nearly all garbage here is freed by reference counting; the collector still runs.
COLLECTOR_THRESHOLDS = (50_000, 20, 10)
WARNINGS_SHOWN = 20  # past this many, a build lists the first ones; --verbose lists all
COMMANDS = ("build", "serve", "new", "import", "check", "init", "clean", "edition")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; `build` when none is named."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (
        arguments[0].startswith("-") and arguments[0] not in ("-h", "--help", "--version")
    ):
        arguments.insert(0, "build")
    parser = make_parser()
    options = parser.parse_args(arguments)
    try:
        return int(options.run(options))
    except UsageError as error:
        print(f"newsdigest: error: {error}", file=sys.stderr)
        return 2
    except BuildFailed as failure:
        print_problems(failure.problems)
        errors = sum(1 for p in failure.problems if p.is_error)
        print(f"{errors} error(s); the output folder was not changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdigest",
        description="Build a static news digest from Markdown articles.",
        epilog="Run 'newsdigest COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"newsdigest {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the site folder (default: the current folder)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(
        name: str, help: str, run: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    build_parser = command(
        "build", "Build the site into the output folder (the default).", run_build
    )
    add_build_flags(build_parser)
    build_parser.add_argument(
        "--no-search", action="store_true", help="no search page and no search index"
    )
    build_parser.add_argument("--quiet", action="store_true", help="print only problems")
    build_parser.add_argument(
        "--verbose",
        action="store_true",
        help=f"list every warning (else the first {WARNINGS_SHOWN})",
    )

    serve_parser = command(
        "serve",
        "Build, serve on http://127.0.0.1:8000/, rebuild on every save and reload the browser.",
        run_serve,
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve_parser.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="0 to 65535; default: 8000 (the next free one if taken; 0: any free one)",
    )
    serve_parser.add_argument("--no-drafts", action="store_true", help="leave drafts out")
    serve_parser.add_argument(
        "--no-search", action="store_true", help="no search page and no search index"
    )
    serve_parser.add_argument(
        "--future", action="store_true", help="include articles dated in the future"
    )

    new_parser = command("new", "Create a content file with its front matter filled in.", run_new)
    new_parser.add_argument("title", help="the article's title")
    new_parser.add_argument("--topics", default="", help="comma-separated topics: a,b")
    new_parser.add_argument("--source", help="the agency or outlet")
    new_parser.add_argument("--source-url", help="the original article's URL")

    import_parser = command(
        "import",
        "Turn raw wire articles (files or folders) into content files; re-imports update.",
        run_import,
    )
    import_parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="raw files, or folders of them"
    )
    import_parser.add_argument(
        "--dry-run", action="store_true", help="write nothing; show what would be written"
    )
    import_parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite imported fields and text even where they were edited by hand",
    )
    import_parser.add_argument(
        "--skip-duplicates",
        action="store_true",
        help="leave out a near-identical copy of an article already there (a re-sent story)",
    )

    check_parser = command(
        "check",
        "Build the site into a scratch folder (the output folder is not touched) and check "
        "what a reader would get: front matter, internal links and #fragments, images, "
        "duplicate URLs, feeds and sitemaps, and whether base_url suits feeds and robots.txt. "
        "A broken link written in an article is reported at its content file and line. "
        "Exit 1 if there are errors; warnings alone exit 0 unless --strict.",
        run_check,
    )
    add_selection_flags(check_parser)
    add_base_url_flag(check_parser)
    check_parser.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too, not only on errors"
    )

    edition_parser = command(
        "edition",
        "Write a day's e-mail edition as one MIME message (text and HTML): its stories with "
        "sources, summaries and links. newsdigest sends nothing; see docs/edition.md.",
        run_edition,
    )
    edition_parser.add_argument(
        "date",
        nargs="?",
        type=iso_day,
        metavar="DATE",
        help="the day, as 2026-11-18 (default: the newest day with articles)",
    )
    edition_parser.add_argument(
        "--output",
        required=True,
        dest="message_file",  # not the build's output folder (config_from reads `output`)
        metavar="FILE",
        help="the .eml file to write; - for standard output",
    )
    edition_parser.add_argument(
        "--articles",
        type=positive_int,
        metavar="N",
        help="only the N first stories of the day",
    )
    add_base_url_flag(edition_parser)

    command(
        "clean",
        "Remove the output folder (only if newsdigest wrote it, or it is empty) and the "
        "cache folder .newsdigest-cache/; prints what it removed.",
        run_clean,
    )

    init_parser = command(
        "init", "Create a new site folder that builds with the default theme.", run_init
    )
    init_parser.add_argument("dir", type=Path, help="the folder to create")
    init_parser.add_argument("--title", help="the site's title")
    init_parser.add_argument(
        "--base-url",
        type=base_url,
        default="/",
        metavar="URL",
        help='where the site will be published, e.g. "https://example.org/digest/" (default: /)',
    )
    return parser


def add_selection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include draft articles")
    parser.add_argument(
        "--future", action="store_true", help="include articles dated in the future"
    )


def add_base_url_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        type=base_url,
        metavar="URL",
        help='override base_url, e.g. "https://example.org/digest/"',
    )


def add_build_flags(parser: argparse.ArgumentParser) -> None:
    add_selection_flags(parser)
    add_base_url_flag(parser)
    parser.add_argument(
        "--output", type=Path, metavar="DIR", help="the output folder (default: public)"
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: all cores)",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-18") from None


def port_number(text: str) -> int:
    """A TCP port: argparse names the flag (--port) in the message when it is not one."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use a number from 0 to 65535")
    return value


def base_url(text: str) -> str:
    """A base URL given on the command line, checked here so the message names --base-url."""
    wrong = base_url_problem(text)
    if wrong:
        raise argparse.ArgumentTypeError(f"{wrong}, e.g. https://example.org/digest/ or /")
    return text


def config_from(options: argparse.Namespace) -> Config:
    """The site's config with the command line's overrides."""
    overrides: dict[str, Any] = {}
    if getattr(options, "base_url", None):
        overrides["base_url"] = options.base_url
    if getattr(options, "output", None):
        overrides["output_dir"] = str(options.output.resolve())
    if getattr(options, "no_search", False):
        overrides["search"] = False
    return site_config(options.site, overrides)


def site_config(site: Path, overrides: dict[str, Any] | None = None) -> Config:
    """The config of the site folder a command works on; a usage error if it is not one.

    Checked before anything is written, so that a command run in the wrong folder (a home
    folder, a Python project, a site's content/) leaves no output or cache folder behind.
    """
    site_dir = site.resolve()
    if site_dir.exists() and not site_dir.is_dir():
        raise UsageError(f"{site} is a file, not a site folder")
    if not site_dir.is_dir():
        raise UsageError(f"site folder {site} does not exist")
    outer = enclosing_site(site_dir)
    if outer is not None:
        raise UsageError(
            f"{site_dir} is inside the content folder of the site {outer}: "
            f"run newsdigest in {outer}, or pass --site {outer}"
        )
    config = load_config(site_dir, overrides)
    print_problems(config.warnings)
    if not is_site(site_dir):
        raise UsageError(
            "not a newsdigest site: run `newsdigest init` to create one (`newsdigest init "
            "my-digest`), or pass --site DIR of a site; "
            f"{site_dir} has no [tool.newsdigest] table in pyproject.toml and no content/ folder"
        )
    return config


def run_build(options: argparse.Namespace) -> int:
    config = config_from(options)
    selection = Selection(drafts=options.drafts, future=options.future)
    progress = ProgressLine() if sys.stderr.isatty() and not options.quiet else None
    build_options = BuildOptions(selection=selection, jobs=options.jobs, progress=progress)
    try:
        report = publish(config, build_options, lambda: say_waiting(config, options.quiet))
    finally:
        if progress:
            progress.clear()
    # The base_url warnings come once per build, however many pages the base_url is in.
    warnings = [*base_url_warnings(config), *report.warnings]
    warnings.sort(key=lambda p: (p.path, p.line or 0))
    shown = warnings if options.verbose else warnings[:WARNINGS_SHOWN]
    print_problems(shown)
    if len(shown) < len(warnings):
        more = len(warnings) - len(shown)
        print(f"... and {more} more warning(s); --verbose lists them all.", file=sys.stderr)
    if not options.quiet:
        print(summary(report, config))
    return 0


def say_waiting(config: Config, quiet: bool) -> None:
    if not quiet:
        print(f"Waiting for another build into {config.output_dir} to finish...", file=sys.stderr)


class ProgressLine:
    """`Rendering 1200/13569 pages` on one terminal line, once a build takes over a second."""

    def __init__(self, delay: float = 1.0) -> None:
        self.started = time.monotonic()
        self.delay = delay
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < self.delay:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total} pages")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def summary(report: BuildReport, config: Config) -> str:
    built = counted(report.articles - report.standalone, "article")
    if report.standalone:  # the pages of content/pages/, apart from the dated articles
        built += f" and {counted(report.standalone, 'page')}"
    pages = counted(report.pages, "page") + (" in all" if report.standalone else "")
    return (
        f"Built {built} into {config.output_dir}: "
        f"{pages}, {counted(report.written, 'file')} written, "
        f"{report.unchanged} unchanged, {counted(report.removed, 'stale file')} removed "
        f"in {report.seconds:.2f} s"
    )


def counted(number: int, noun: str) -> str:
    """'1 article', '2 articles'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def run_serve(options: argparse.Namespace) -> int:
    from newsdigest.serve import serve

    config = site_config(options.site)
    try:
        return serve(
            config.site_dir,
            options.host,
            options.port,
            not options.no_drafts,
            options.future,
            search=not options.no_search,
        )
    except OverflowError as error:  # the next free port after 65535
        raise UsageError(f"no free port from {options.port} up; choose one with --port") from error
    except OSError as error:
        # Binding fails with an errno (address not here, port not allowed) or a lookup error
        # for a host name; serve's own "all taken" message has none. Anything else is a bug.
        if not (isinstance(error, socket.gaierror) or error.errno in _BIND_ERRORS):
            raise
        reason = error.strerror or str(error)
        raise UsageError(
            f"cannot serve on {options.host}:{options.port}: {reason}; "
            "choose another --host or --port"
        ) from error


_BIND_ERRORS = (None, errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES, errno.EPERM)


def run_check(options: argparse.Namespace) -> int:
    from newsdigest.check import check_site

    config = config_from(options)
    problems = check_site(config, Selection(drafts=options.drafts, future=options.future))
    print_problems(problems)
    errors = sum(1 for problem in problems if problem.is_error)
    warnings = len(problems) - errors
    if not problems:
        print("No problems found.")
        return 0
    print(f"{counted(errors, 'error')}, {counted(warnings, 'warning')}.", file=sys.stderr)
    if errors:
        return 1
    if options.strict:
        print("--strict: warnings count as errors.", file=sys.stderr)
        return 1
    return 0


def run_new(options: argparse.Namespace) -> int:
    from newsdigest.scaffold import new_article

    config = config_from(options)
    topics = [t.strip() for t in options.topics.split(",") if t.strip()]
    try:
        path = new_article(
            config.content_dir,
            options.title,
            datetime.now(config.tz),
            topics=topics,
            source=options.source,
            source_url=options.source_url,
        )
    except (FileExistsError, ValueError) as error:
        raise UsageError(str(error)) from error
    print(shown(path, config))
    return 0


def run_import(options: argparse.Namespace) -> int:
    from newsdigest.importer import RAW_SUFFIXES, import_paths

    config = config_from(options)
    for path in options.paths:
        if not path.exists():
            raise UsageError(f"{path} does not exist")
    report = import_paths(
        config,
        options.paths,
        dry_run=options.dry_run,
        force=options.force,
        skip_duplicates=options.skip_duplicates,
    )
    verbs = {
        "import": "new",
        "update": "updated",
        "unchanged": "unchanged",
        "kept": "kept",
        "skip": "skipped",
        "duplicate": "duplicate",
    }
    for outcome in report.outcomes:
        target = f" -> {shown(outcome.target, config)}" if outcome.target else ""
        reason = f": {outcome.reason}" if outcome.reason else ""
        print(f"{verbs[outcome.action]:9} {outcome.source}{target}{reason}")
        for note in outcome.notes:
            print(f"          note: {note}")
        for line in outcome.preview:
            print(f"          | {line}".rstrip())
    kinds = ", ".join(RAW_SUFFIXES[:-1]) + " or " + RAW_SUFFIXES[-1]
    for listing in report.folders:
        if not listing.raw_files:
            others = f"; {listing.other_files} other files ignored" if listing.other_files else ""
            print(f"nothing to import: no {kinds} files in {listing.folder}{others}")
    would = "would be " if options.dry_run else ""
    print(
        f"{report.count('import')} {would}imported, {report.count('update')} {would}updated, "
        f"{report.count('unchanged')} unchanged, {report.count('skip')} skipped"
        + (f", {report.count('kept')} kept as edited by hand" if report.count("kept") else "")
        + (
            f", {report.count('duplicate')} duplicates left out"
            if report.count("duplicate")
            else ""
        )
        + (" (dry run: nothing written)" if options.dry_run else "")
    )
    return 1 if report.failed else 0


def run_edition(options: argparse.Namespace) -> int:
    from newsdigest.mail import edition_message

    config = config_from(options)
    target = None if options.message_file == "-" else Path(options.message_file)
    if target is not None and target.is_dir():
        raise UsageError(f"{target} is a folder: name the .eml file to write")
    data, day, count, warnings = edition_message(config, options.date, options.articles)
    print_problems(warnings)
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        target.write_bytes(data)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from error
    print(f"Wrote the edition of {day.isoformat()} ({counted(count, 'article')}) to {target}")
    return 0


def run_clean(options: argparse.Namespace) -> int:
    config = config_from(options)
    removed = []
    for path in cleanable(config):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path)
        print(f"removed {shown(path, config)}{'/' if path.suffix != '.journal' else ''}")
    if not removed:
        print("Nothing to remove.")
    return 0


def cleanable(config: Config) -> list[Path]:
    """What `clean` removes, or a usage error if the output folder is not newsdigest's.

    The output folder is newsdigest's when its cache lists the files it wrote there (or the
    folder is empty). Everything is checked before anything is removed: a refused clean
    removes nothing.
    """
    output = config.output_path
    known = load_state(config).outputs
    if output.is_dir() and any(output.iterdir()) and not known:
        raise UsageError(
            f"output folder {shown(output, config)} holds files that newsdigest did not write "
            "(its cache lists none of them); not removing it"
        )
    if output.exists():
        guard_output(output, config.site_dir, (config.content_dir, config.templates_dir,
                                               config.static_dir))  # fmt: skip
    # Left beside the output by a build that was killed (output.py names them).
    leftovers = [beside(output, "staging"), beside(output, "journal")]
    return [path for path in (output, *leftovers, config.cache_dir) if path.exists()]


def shown(path: Path, config: Config) -> str:
    """A path relative to the site folder when it is inside it."""
    return str(path.relative_to(config.site_dir) if path.is_relative_to(config.site_dir) else path)


def run_init(options: argparse.Namespace) -> int:
    from newsdigest.scaffold import init_site

    try:
        created = init_site(options.dir, title=options.title, base_url=options.base_url)
    except FileExistsError as error:
        raise UsageError(str(error)) from error
    for path in created:
        print(path)
    print(f"Now: cd {options.dir} && newsdigest build")
    return 0


def print_problems(problems: Sequence[Problem]) -> None:
    """Every problem, errors first, each on one line as file:line: message."""
    for problem in sorted(problems, key=lambda p: (p.severity != "error", p.path, p.line or 0)):
        print(problem, file=sys.stderr)
