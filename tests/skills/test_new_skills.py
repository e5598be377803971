"""The skills added after 0.7.5: installable by name only, 8-key front matter, the catalog, the packaged data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autoplay_sdk import install_skills
from tests.skills.test_install_skills import ALL, SKILLS, _uv, installed, run

NEW = {
    "activity-amplitude": "activity",
    "chatbot-zendesk": "chatbot",
    "chatbot-rasa": "chatbot",
    "chatbot-inkeep": "chatbot",
    "chatbot-plain": "chatbot",
    "chatbot-maven": "chatbot",
}
_KEYS = ["skill", "family", "version", "sdk_min", "tags", "name", "description", "disable-model-invocation"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_extra_dicts() -> None:
    assert install_skills.EXTRA_CHATBOT_SKILLS == {
        "zendesk": "chatbot-zendesk",
        "maven": "chatbot-maven",
        "rasa": "chatbot-rasa",
        "inkeep": "chatbot-inkeep",
        "plain": "chatbot-plain",
    }
    assert install_skills.EXTRA_ACTIVITY_SKILLS == {"amplitude": "activity-amplitude"}
    assert len(install_skills.CHATBOT_SKILLS) == 7 and len(install_skills.ACTIVITY_SKILLS) == 2


def test_no_filter_install_is_still_the_075_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(monkeypatch, capsys)
    assert code == 0 and installed(out) == ALL
    assert sorted(p.name for p in (tmp_path / ".cursor" / "skills").iterdir()) == sorted(ALL)


@pytest.mark.parametrize(
    ("args", "expected", "request_line"),
    [
        (["--chatbot", "zendesk"], ["autoplay-core", "chatbot-zendesk"], "Set up Autoplay with zendesk"),
        (
            ["--chatbot", "maven", "--user-activity", "amplitude"],
            ["autoplay-core", "chatbot-maven", "activity-amplitude"],
            "Set up Autoplay with maven and amplitude for user activity",
        ),
        (["--user-activity", "amplitude"], ["autoplay-core", "activity-amplitude"], "and amplitude for user activity"),
    ],
)
def test_new_skills_install_by_name(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    expected: list[str],
    request_line: str,
) -> None:
    code, out, _ = run(monkeypatch, capsys, *args)
    assert code == 0 and installed(out) == expected and request_line in out
    copied = tmp_path / ".cursor" / "skills" / expected[-1] / "SKILL.md"
    assert copied.read_text(encoding="utf-8") == (SKILLS / expected[-1] / "SKILL.md").read_text(encoding="utf-8")


def test_template_is_never_installed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("TEMPLATE", "template"):
        code, _, err = run(monkeypatch, capsys, "--chatbot", name)
        assert code == 1 and "Unknown chatbot" in err


def _front_matter(name: str) -> tuple[list[str], str, str]:
    text = (SKILLS / name / "SKILL.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, name
    return re.findall(r"^([a-z_-]+):", match.group(1), re.MULTILINE), match.group(1), text


@pytest.mark.parametrize("name", [*NEW, "chatbot-TEMPLATE"])
def test_front_matter_and_core_pointer(name: str) -> None:
    keys, block, text = _front_matter(name)
    assert keys == _KEYS
    expected_name = "chatbot-template" if name == "chatbot-TEMPLATE" else name
    assert f"\nname: {expected_name}\n" in f"\n{block}\n" and f"\nskill: {expected_name}\n" in f"\n{block}\n"
    assert block.endswith("disable-model-invocation: true") and "description: >-\n" in block
    assert "`autoplay-core`" in text
    if name != "chatbot-zendesk":  # zendesk is the push path (Render onboarding)
        assert "onboard_hosted_product" in text


def test_catalog_covers_every_installable_skill() -> None:
    catalog = json.loads((SKILLS / "skills-catalog.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", catalog["generated_at"])
    assert set(catalog["skills"]) == set(ALL) | set(NEW)
    for name, entry in catalog["skills"].items():
        assert set(entry) == {"version", "updated_at", "sdk_min", "family", "tags"}
        assert entry["family"] == NEW.get(name, "core" if name.startswith("autoplay-") else name.split("-")[0])
        if name in NEW:
            block = _front_matter(name)[1]
            assert f"version: {entry['version']}" in block and f"sdk_min: {entry['sdk_min']}" in block


def test_packaged_data_reads_from_an_installed_wheel(tmp_path: Path) -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("uv is needed to build the wheel")
    root = Path(__file__).resolve().parents[2]
    built = subprocess.run(
        [uv, "build", "--wheel", "--offline", "--out-dir", str(tmp_path / "dist"), str(root)],
        capture_output=True,
        text=True,
        timeout=110,
    )
    stderr = built.stderr.lower()
    if built.returncode != 0 and any(
        sign in stderr for sign in ("offline", "network was disabled", "downloaded from a registry")
    ):
        pytest.skip("the build backend is not in the uv cache, and tests stay offline")
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)  # a wheel is a zip laid out as site-packages
    probe = "\n".join(
        [
            "import sys, json",
            f"sys.path.insert(0, {str(target)!r})",
            "from importlib import resources",
            "import autoplay_sdk",
            f"assert str(autoplay_sdk.__file__).startswith({str(target)!r})",
            "posthog = resources.files('autoplay_sdk.providers.posthog')",
            "hog = posthog.joinpath('autoplay_destination.hog').read_text('utf-8')",
            "skills = resources.files('autoplay_sdk').joinpath('skills')",
            "cat = json.loads(skills.joinpath('skills-catalog.json').read_text('utf-8'))",
            "print(len(hog) > 100, 'chatbot-zendesk' in cat['skills'])",
        ]
    )
    done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.split() == ["True", "True"], done.stderr
