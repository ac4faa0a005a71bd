import pytest


@pytest.fixture(autouse=True)
def no_settle_wait(monkeypatch):
    """These tests write files and read them at once: the reader's wait for files still being
    written (INBOX_SETTLE_SECONDS, tested end to end in tests/pipeline/test_hardening.py) would
    only add a second to each of them."""
    monkeypatch.setenv("INBOX_SETTLE_SECONDS", "0")
