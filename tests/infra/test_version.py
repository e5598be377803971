"""One version everywhere: the module, the installed metadata and the CLI agree, and 0.7.5 pins hold.

The version is the published release this package is a drop-in for plus a local label naming
this build (``0.7.5+<label>``): programs and requirement files that pin ``autoplay-sdk==0.7.5``
keep working, while ``pip show`` and ``autoplay-sdk --version`` tell the build apart.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

import autoplay_sdk
from autoplay_sdk._version import __version__


def test_the_module_the_metadata_and_the_cli_report_one_version() -> None:
    command = Path(sys.executable).with_name("autoplay-sdk")  # the console script the install made
    assert command.is_file(), command
    cli = subprocess.run(
        [str(command), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert autoplay_sdk.__version__ == __version__ == version("autoplay-sdk")
    assert cli.stdout.split() == ["autoplay-sdk", __version__]


def test_the_version_satisfies_0_7_5_pins_and_names_this_build() -> None:
    build = Version(__version__)
    assert str(build) == __version__  # already in PEP 440 normal form: pip shows it as written
    assert build.public == "0.7.5" and build.local
    for pin in ("autoplay-sdk==0.7.5", "autoplay-sdk>=0.7.5,<0.8", "autoplay-sdk~=0.7.5", "autoplay-sdk==0.7.*"):
        assert Requirement(pin).specifier.contains(build), pin
    assert not Requirement("autoplay-sdk==0.7.6").specifier.contains(build)


def test_the_changelog_names_the_current_version() -> None:
    changelog = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
    assert f"`{__version__}`" in changelog.read_text(encoding="utf-8"), "say what this build is in CHANGELOG.md"
