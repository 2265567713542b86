"""The browser the tests drive: the chromium package's own binary, or the one an operator
names; without one, the browser tests fail saying what to install (they never skip)."""

from __future__ import annotations

import pytest

from tests.browser import chromium


def test_the_packaged_binary_is_found_not_the_wrapper_script(monkeypatch):
    monkeypatch.delenv("KRIYA_CHROMIUM", raising=False)
    binary = chromium.chromium_binary()
    assert binary != chromium.Path("/usr/bin/chromium")
    assert binary.read_bytes()[:4] == b"\x7fELF"  # a program, not a shell script


def test_kriya_chromium_names_another_browser(monkeypatch, tmp_path):
    other = tmp_path / "chrome"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setenv("KRIYA_CHROMIUM", str(other))
    assert chromium.chromium_binary() == other


def test_a_kriya_chromium_that_is_not_there_fails_saying_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KRIYA_CHROMIUM", str(tmp_path / "nowhere"))
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium.chromium_binary()
    message = str(failed.value)
    assert "KRIYA_CHROMIUM" in message and "apt-get install chromium" in message


def test_without_chromium_the_tests_fail_asking_for_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv("KRIYA_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dpkg: not a Debian machine
    monkeypatch.setattr(chromium, "DEFAULT_BINARY", tmp_path / "chromium")
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium.chromium_binary()
    assert "Install Debian's chromium package (apt-get install chromium)" in str(failed.value)
