"""What `pip install .` puts in place (a wheel, as a deployment builds it): every package of
Kriya, its migrations and its catalogs, not only what an editable install finds in place.
Read with setuptools' own reading of pyproject.toml, which a build uses."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent.parent


def test_an_install_takes_every_package_migration_and_catalog(monkeypatch):
    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # setuptools calls its pyproject support beta
        dist = apply_configuration(Distribution(), "pyproject.toml")
    packages = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("bot", "conversations", "storage", "locales")
        for path in (ROOT / top).rglob("__init__.py") if "__pycache__" not in path.parts}
    assert packages - set(dist.packages) == set()
    assert "*/LC_MESSAGES/*.po" in dist.package_data["locales"]
    assert "script.py.mako" in dist.package_data["storage.migrations"]
    assert os.path.exists(ROOT / "locales" / "id" / "LC_MESSAGES" / "kriya.po")
