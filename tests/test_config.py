from pathlib import Path

import pytest

from newsdigest.config import base_url_warnings, load_config, parse_config
from newsdigest.errors import BuildFailed


def test_every_setting_has_the_spec_default(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.base_url == "/"
    assert config.language == "en"
    assert config.timezone == "UTC"
    assert config.per_page == 20
    assert config.home_days == 7
    assert config.permalink == "{year}/{month}/{day}/{slug}/"
    assert config.output_dir == "public"
    assert config.markdown_extensions == ("extra", "toc", "typography")
    assert config.sanitize is False


def test_unknown_keys_are_all_listed_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as failure:
        parse_config({"titel": "x", "per_pag": 3, "colour": "red"}, tmp_path)
    messages = [str(p) for p in failure.value.problems]
    assert len(messages) == 3
    assert any("titel" in m and "did you mean 'title'" in m for m in messages)
    assert any("per_pag" in m and "did you mean 'per_page'" in m for m in messages)


def test_wrong_types_and_values_are_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as failure:
        parse_config(
            {
                "per_page": "ten",
                "timezone": "Mars/Olympus",
                "home_days": True,
                "base_url": "example.org",
                "permalink": "{year}/",
            },
            tmp_path,
        )
    text = "\n".join(str(p) for p in failure.value.problems)
    for key in ("per_page", "timezone", "home_days", "base_url", "permalink"):
        assert key in text


def test_base_url_gets_a_trailing_slash(tmp_path: Path) -> None:
    assert parse_config({"base_url": "https://example.org/digest"}, tmp_path).base_url == (
        "https://example.org/digest/"
    )


def test_topics_and_feeds_tables(tmp_path: Path) -> None:
    config = parse_config(
        {
            "topics": {"NATO": {"description": "The alliance", "keywords": ["nato"]}},
            "feeds": {"entries": 5, "full_content": False},
            "markdown_extensions": {"extra": {}, "toc": {"permalink": True}},
        },
        tmp_path,
    )
    assert config.topic_settings("NATO").keywords == ("nato",)
    assert config.feeds.entries == 5 and not config.feeds.full_content
    assert config.markdown_extension_configs == {"toc": {"permalink": True}}


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.newsdigest\ntitle = 1")
    with pytest.raises(BuildFailed) as failure:
        load_config(tmp_path)
    assert "pyproject.toml" in str(failure.value.problems[0])


def problem_text(table: dict[str, object], tmp_path: Path) -> str:
    with pytest.raises(BuildFailed) as failure:
        parse_config(table, tmp_path)
    return "\n".join(str(p) for p in failure.value.problems)


def test_a_misspelt_markdown_extension_is_named_with_a_did_you_mean(tmp_path: Path) -> None:
    text = problem_text({"markdown_extensions": ["extra", "smartypants"]}, tmp_path)
    assert "[tool.newsdigest] markdown_extensions: unknown extension 'smartypants'" in text
    assert "did you mean 'smarty'?" in text
    assert "extra" not in text.replace("markdown_extensions", "")  # extra itself is fine


def test_an_unknown_extension_setting_is_named(tmp_path: Path) -> None:
    text = problem_text({"markdown_extensions": {"toc": {"bogus": 1}}}, tmp_path)
    assert "[tool.newsdigest] markdown_extensions.toc: unknown setting 'bogus'" in text
    assert "permalink" in text  # the hint lists the settings toc takes


def test_a_bad_extension_setting_value_is_named(tmp_path: Path) -> None:
    text = problem_text({"markdown_extensions": {"toc": {"baselevel": "x"}}}, tmp_path)
    assert "markdown_extensions.toc:" in text and "'x'" in text


def test_a_module_that_is_not_an_extension_is_named(tmp_path: Path) -> None:
    text = problem_text({"markdown_extensions": ["os"]}, tmp_path)
    assert "markdown_extensions: 'os' is not a Markdown extension" in text


def test_extensions_by_short_name_full_name_and_typography_load(tmp_path: Path) -> None:
    names = ["extra", "markdown.extensions.toc", "typography", "smarty"]
    assert parse_config({"markdown_extensions": names}, tmp_path).markdown_extensions == tuple(
        names
    )


@pytest.mark.parametrize(
    "table", ["tool.newsdigst", "tool.news-digest", "tool.NewsDigest", "newsdigest"]
)
def test_a_misspelt_settings_table_is_a_warning_with_a_did_you_mean(
    tmp_path: Path, table: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[{table}]\ntitle = "Mine"\n', encoding="utf-8"
    )
    config = load_config(tmp_path)
    assert config.title == "News digest"  # the misspelt table is not read...
    [warning] = config.warnings  # ...and the user is told so
    assert warning.severity == "warning" and warning.path == "pyproject.toml"
    assert warning.line == 4
    assert f"[{table}]" in warning.message and "did you mean [tool.newsdigest]?" in str(warning)


def test_a_correct_table_and_other_tools_give_no_warning(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.newsdigest]\ntitle = "Mine"\n\n[tool.ruff]\nline-length = 100\n'
        "[tool.pytest.ini_options]\naddopts = '-q'\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.title == "Mine" and config.warnings == ()


def test_a_topic_may_set_its_own_slug(tmp_path: Path) -> None:
    config = parse_config(
        {"topics": {"Москва": {"slug": "moscow"}, "Kursk Region": {"slug": "Kursk Oblast"}}},
        tmp_path,
    )
    assert config.topic_slug("Москва") == "moscow"
    assert config.topic_slug("Kursk Region") == "kursk-oblast"  # cleaned like any slug
    assert config.topic_slug("Курск") == "kursk"  # without one, the name's


def test_a_topic_slug_that_is_empty_or_not_text_is_an_error(tmp_path: Path) -> None:
    text = problem_text({"topics": {"A": {"slug": "!!!"}, "B": {"slug": 3}}}, tmp_path)
    assert "[tool.newsdigest] topics.A.slug: '!!!' gives an empty URL" in text
    assert "[tool.newsdigest] topics.B.slug: must be a string" in text


def test_type_errors_name_the_type_in_words(tmp_path: Path) -> None:
    text = problem_text({"per_page": "ten", "title": 1, "sanitize": "yes"}, tmp_path)
    assert "per_page: must be an integer, not 'ten'" in text
    assert "title: must be a string, not 1" in text
    assert "sanitize: must be true or false, not 'yes'" in text


def test_base_url_warnings_ask_for_an_absolute_url_at_a_domain_root(tmp_path: Path) -> None:
    def warnings(base: str) -> list[str]:
        found = base_url_warnings(parse_config({"base_url": base}, tmp_path))
        assert all(p.severity == "warning" and p.path == "pyproject.toml" for p in found)
        return [str(p) for p in found]

    assert warnings("https://example.org/") == []
    [relative] = warnings("/")
    assert (
        "feeds, sitemaps and canonical URLs need an absolute base_url such as "
        "https://example.org/" in relative
    )
    [path] = warnings("https://example.org/digest/")
    assert "robots.txt is only read at a domain's root" in path and "/digest/" in path
    assert len(warnings("/digest/")) == 2
