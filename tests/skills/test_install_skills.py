"""``autoplay-install-skills`` in a temporary directory: selections, --force, skips, exit codes; the skill files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autoplay_sdk import install_skills

SKILLS = Path(install_skills.__file__).parent / "skills"
ALL = [
    "autoplay-core",
    "chatbot-ada",
    "chatbot-intercom",
    "chatbot-botpress",
    "chatbot-dify",
    "chatbot-crisp",
    "chatbot-landbot",
    "chatbot-tidio",
    "activity-fullstory",
    "activity-posthog",
    "autoplay-migrate-imports",
]


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["autoplay-install-skills", *args])
    try:
        install_skills.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def installed(out: str) -> list[str]:
    return re.findall(r"^  ✓ (\S+)$", out, re.MULTILINE)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_constants() -> None:
    assert list(install_skills.CHATBOT_SKILLS.items()) == [
        ("ada", "chatbot-ada"),
        ("intercom", "chatbot-intercom"),
        ("botpress", "chatbot-botpress"),
        ("dify", "chatbot-dify"),
        ("crisp", "chatbot-crisp"),
        ("landbot", "chatbot-landbot"),
        ("tidio", "chatbot-tidio"),
    ]
    assert list(install_skills.ACTIVITY_SKILLS.items()) == [
        ("fullstory", "activity-fullstory"),
        ("posthog", "activity-posthog"),
    ]
    assert (install_skills.CORE_SKILL, install_skills.MIGRATION_SKILL) == ("autoplay-core", "autoplay-migrate-imports")


def test_no_filter_installs_everything_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Installing Autoplay skills to .cursor/skills/\n\n")
    assert installed(out) == ALL
    assert out.endswith(
        '\nDone. Open Cursor or Claude and say:\n  "Set up Autoplay"\n'
        "The agent will follow the correct wiring pattern automatically.\n"
    )
    for name in ALL:
        copied = tmp_path / ".cursor" / "skills" / name / "SKILL.md"
        assert copied.read_bytes() == (SKILLS / name / "SKILL.md").read_bytes()


@pytest.mark.parametrize(
    ("args", "expected", "request_line"),
    [
        (["--chatbot", "intercom"], ["autoplay-core", "chatbot-intercom"], "Set up Autoplay with intercom"),
        (
            ["--user-activity", "posthog"],
            ["autoplay-core", "activity-posthog"],
            "Set up Autoplay and posthog for user activity",
        ),
        (
            ["--chatbot", "ada", "--user-activity", "fullstory"],
            ["autoplay-core", "chatbot-ada", "activity-fullstory"],
            "Set up Autoplay with ada and fullstory for user activity",
        ),
        (["--migrate"], ["autoplay-core", "autoplay-migrate-imports"], "Set up Autoplay"),
        (["--chatbot", "tidio", "--migrate"], ["autoplay-core", "chatbot-tidio"], "Set up Autoplay with tidio"),
        (
            ["--migrate", "--user-activity", "posthog"],
            ["autoplay-core", "autoplay-migrate-imports", "activity-posthog"],
            "Set up Autoplay and posthog for user activity",
        ),
        (["--chatbot", ""], ALL, "Set up Autoplay"),  # empty counts as not given
    ],
)
def test_selections(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    expected: list[str],
    request_line: str,
) -> None:
    code, out, _ = run(monkeypatch, capsys, *args, "--dest", "out/skills")
    assert code == 0
    assert out.startswith("Installing Autoplay skills to out/skills/\n")
    assert installed(out) == expected
    assert f'  "{request_line}"\n' in out
    assert sorted(p.name for p in (tmp_path / "out" / "skills").iterdir()) == sorted(expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--chatbot", "drift"],  # zendesk installs now (by name); the message still lists the 0.7.5 names
            "Unknown chatbot 'drift'. Valid options: ada, intercom, botpress, dify, crisp, landbot, tidio",
        ),
        (
            ["--user-activity", "mixpanel"],
            "Unknown user activity source 'mixpanel'. Valid options: fullstory, posthog",
        ),
        (["--chatbot", "x", "--user-activity", "y"], "Unknown chatbot 'x'."),
    ],
)
def test_unknown_names_exit_1_before_touching_the_disk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run(monkeypatch, capsys, *args)
    assert code == 1 and out == "" and err.startswith(message)
    assert not (tmp_path / ".cursor").exists()


def test_existing_skills_are_skipped_then_replaced_with_force(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(monkeypatch, capsys, "--chatbot", "ada")[0] == 0
    edited = tmp_path / ".cursor" / "skills" / "chatbot-ada" / "SKILL.md"
    edited.write_text("my edits")
    (edited.parent / "extra.txt").write_text("stray")

    code, out, err = run(monkeypatch, capsys, "--chatbot", "ada")
    assert code == 2
    assert installed(out) == []
    dest = Path(".cursor/skills")
    assert (
        f"  [skip] autoplay-core — destination exists ({dest / 'autoplay-core'}); rerun with --force to overwrite"
        in err
    )
    assert f"  [skip] chatbot-ada — destination exists ({dest / 'chatbot-ada'}); rerun with --force to overwrite" in err
    assert err.endswith("\nNo skills were copied. Existing directories were preserved. Use --force to overwrite.\n")
    assert edited.read_text() == "my edits"

    code, out, err = run(monkeypatch, capsys, "--chatbot", "ada", "--user-activity", "posthog")
    assert code == 0 and installed(out) == ["activity-posthog"]  # a partial copy is a success

    code, out, err = run(monkeypatch, capsys, "--chatbot", "ada", "--force")
    assert (code, err) == (0, "") and installed(out) == ["autoplay-core", "chatbot-ada"]
    assert edited.read_bytes() == (SKILLS / "chatbot-ada" / "SKILL.md").read_bytes()
    assert not (edited.parent / "extra.txt").exists()  # replaced whole, never merged


def test_a_file_in_the_way_counts_as_existing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "autoplay-core").write_text("a file")
    code, out, err = run(monkeypatch, capsys, "--migrate", "--dest", "d")
    assert code == 0 and installed(out) == ["autoplay-migrate-imports"] and "[skip] autoplay-core" in err
    code, out, _ = run(monkeypatch, capsys, "--migrate", "--dest", "d", "--force")
    assert code == 0 and (tmp_path / "d" / "autoplay-core" / "SKILL.md").is_file()


def test_missing_source_is_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(SKILLS / "autoplay-core", package / "skills" / "autoplay-core")
    monkeypatch.setattr(install_skills, "__file__", str(package / "install_skills.py"))
    code, out, err = run(monkeypatch, capsys, "--chatbot", "dify")
    assert code == 0 and installed(out) == ["autoplay-core"]
    assert "  [skip] chatbot-dify — not found in package\n" in err

    code, out, err = run(monkeypatch, capsys, "--chatbot", "dify", "--force", "--dest", "elsewhere")
    assert code == 0 and installed(out) == ["autoplay-core"]


def test_force_that_copies_nothing_still_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(install_skills, "__file__", str(tmp_path / "empty" / "install_skills.py"))
    code, out, err = run(monkeypatch, capsys, "--force")
    assert code == 0 and installed(out) == [] and "No skills were copied" not in err


def test_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(monkeypatch, capsys, "--chatbot")
    assert code == 2 and "expected one argument" in err
    code, out, _ = run(monkeypatch, capsys, "--help")
    assert code == 0 and out.startswith("usage: autoplay-install-skills")
    description = "Install Autoplay Cursor/Claude agent skills into .cursor/skills/ in the current directory."
    assert description in " ".join(out.split())


# --------------------------------------------------------------------------- the skill files


def test_eleven_skills_each_with_one_skill_md_and_the_right_front_matter() -> None:
    later = {"activity-amplitude", "chatbot-TEMPLATE"} | {
        f"chatbot-{n}" for n in ("zendesk", "rasa", "inkeep", "plain")
    }
    later.add("chatbot-maven")
    assert sorted(p.name for p in SKILLS.iterdir() if p.is_dir()) == sorted([*ALL, *later])
    for name in ALL:
        files = [p.name for p in (SKILLS / name).iterdir()]
        assert files == ["SKILL.md"], name
        text = (SKILLS / name / "SKILL.md").read_text(encoding="utf-8")
        if name == "autoplay-migrate-imports":
            assert text.startswith("# ")
            continue
        match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
        assert match, name
        keys = re.findall(r"^([a-z-]+):", match.group(1), re.MULTILINE)
        assert keys == ["name", "description", "disable-model-invocation"], name
        assert f"\nname: {name}\n" in f"\n{match.group(1)}\n"
        assert "description: >-\n" in match.group(1)
        assert "Use when the user mentions" in " ".join(match.group(1).split())
        assert match.group(1).endswith("disable-model-invocation: true")


def test_console_script_is_declared() -> None:
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["autoplay-install-skills"] == "autoplay_sdk.install_skills:main"


def _uv() -> str | None:
    return os.environ.get("UV") if os.environ.get("UV", "").endswith("uv") else shutil.which("uv")


def test_the_built_wheel_ships_the_skills(tmp_path: Path) -> None:
    uv = _uv()
    if uv is None:
        pytest.skip("uv is needed to build the wheel")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [uv, "build", "--wheel", "--offline", "--out-dir", str(tmp_path), str(root)],
        capture_output=True,
        text=True,
        timeout=110,
    )
    stderr = done.stderr.lower()
    if done.returncode != 0 and any(
        sign in stderr for sign in ("offline", "network was disabled", "downloaded from a registry")
    ):
        pytest.skip("the build backend (or a dependency of it) is not in the uv cache, and tests stay offline")
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ALL:
        assert f"autoplay_sdk/skills/{name}/SKILL.md" in names
    assert "autoplay_sdk/install_skills.py" in names and "autoplay_sdk/py.typed" in names
    entry_points_txt = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "autoplay-install-skills = autoplay_sdk.install_skills:main"
        in zipfile.ZipFile(wheel).read(entry_points_txt).decode()
    )
