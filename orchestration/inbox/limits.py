"""Size and timing limits of the inbox reader, each overridable from the environment."""

from __future__ import annotations

from orchestration.config import env_number

DEFAULT_MAX_INPUT_BYTES = 20_000_000

DEFAULT_MAX_HTML_CHARS = 1_000_000


# Longest article text accepted (characters): the clean_articles GX suite blocks a run on a text
# above 1,000,000 characters, so a longer one is quarantined here, with its reason, instead.
DEFAULT_MAX_ARTICLE_CHARS = 1_000_000


# A file modified less than this long ago is looked at again after the rest of this interval; if
# its size or mtime changed meanwhile (a copy or download still in progress) it is left for the
# next run instead of being stored cut off.
DEFAULT_SETTLE_SECONDS = 1.0


# small helpers
def max_input_bytes() -> int:
    return env_number("MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES)


def max_html_chars() -> int:
    return env_number("MAX_HTML_CHARS", DEFAULT_MAX_HTML_CHARS)


def max_article_chars() -> int:
    return env_number("MAX_ARTICLE_CHARS", DEFAULT_MAX_ARTICLE_CHARS)


def settle_seconds() -> float:
    return max(0.0, env_number("INBOX_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS, float))
