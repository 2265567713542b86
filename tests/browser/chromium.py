"""Which Chromium the browser tests drive: Debian's chromium package, never a browser that
`playwright install` downloads (nothing is downloaded in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = "chromium"  # Debian's package; `/usr/bin/chromium` is a shell script starting it
DEFAULT_BINARY = Path("/usr/lib/chromium/chromium")
# A closed network, and root in a container: no sandbox, no GPU, nothing fetched on the side.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_binary() -> Path:
    """The browser to drive: `KRIYA_CHROMIUM`, or the binary the chromium package installed."""
    given = os.environ.get("KRIYA_CHROMIUM")
    if given:
        binary = Path(given)
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            pytest.fail(f"KRIYA_CHROMIUM={given} is not a program that can be run. Point it "
                        f"at a Chromium binary, or unset it and install Debian's {PACKAGE} "
                        f"package: apt-get install {PACKAGE}", pytrace=False)
        return binary
    binary = _packaged_binary() or DEFAULT_BINARY
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"The browser tests need Chromium, and {binary} is missing. Install "
                    f"Debian's {PACKAGE} package (apt-get install {PACKAGE}), or set "
                    "KRIYA_CHROMIUM to a Chromium binary.", pytrace=False)
    return binary


def _packaged_binary() -> Path | None:
    """The real binary in the package's file list (not the wrapper script in /usr/bin)."""
    if shutil.which("dpkg") is None:
        return None
    listed = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    found = [Path(line) for line in listed.stdout.splitlines()
             if line.startswith("/usr/lib/") and line.endswith(f"/{PACKAGE}")]
    return next((path for path in found if path.is_file()), None)
