"""``autoplay-install-skills``: copy the bundled Cursor/Claude agent skills into a project.

The skills ship inside the package (``autoplay_sdk/skills/<name>/SKILL.md``).  The command
copies ``autoplay-core`` plus the skills for the chosen chatbot and activity source (all of
the 0.7.5 set when no filter is given; later skills such as ``chatbot-zendesk`` install by
name) into ``--dest`` (default ``.cursor/skills`` in the current
directory).  A skill directory is either skipped or replaced whole (``--force``); files are
never merged.

Exit codes: 0 when something was copied (or ``--force`` was given), 1 for an unknown chatbot
or activity source (nothing is touched), 2 when every skill was skipped without ``--force``
and for usage errors.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

CHATBOT_SKILLS: dict[str, str] = {
    "ada": "chatbot-ada",
    "intercom": "chatbot-intercom",
    "botpress": "chatbot-botpress",
    "dify": "chatbot-dify",
    "crisp": "chatbot-crisp",
    "landbot": "chatbot-landbot",
    "tidio": "chatbot-tidio",
}
ACTIVITY_SKILLS: dict[str, str] = {
    "fullstory": "activity-fullstory",
    "posthog": "activity-posthog",
}
# Skills added after the first release, installable by name (``--chatbot zendesk``); the
# no-filter install, the help texts and the "Valid options" messages list only the dicts above.
EXTRA_CHATBOT_SKILLS: dict[str, str] = {
    "zendesk": "chatbot-zendesk",
    "maven": "chatbot-maven",
    "rasa": "chatbot-rasa",
    "inkeep": "chatbot-inkeep",
    "plain": "chatbot-plain",
}
EXTRA_ACTIVITY_SKILLS: dict[str, str] = {"amplitude": "activity-amplitude"}
CORE_SKILL = "autoplay-core"
MIGRATION_SKILL = "autoplay-migrate-imports"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autoplay-install-skills",
        description="Install Autoplay Cursor/Claude agent skills into .cursor/skills/ in the current directory.",
    )
    parser.add_argument(
        "--chatbot",
        metavar="NAME",
        help=f"Chatbot to install skills for. Choices: {', '.join(CHATBOT_SKILLS)}",
    )
    parser.add_argument(
        "--user-activity",
        dest="activity",
        metavar="NAME",
        help=f"User activity source to install skills for. Choices: {', '.join(ACTIVITY_SKILLS)}",
    )
    parser.add_argument("--dest", default=".cursor/skills", help="Destination directory (default: .cursor/skills)")
    parser.add_argument("--force", action="store_true", help="Overwrite existing skill directories in destination.")
    parser.add_argument("--migrate", action="store_true", help="Install only the migration helper skill (plus core).")
    return parser


def _selected(chatbot: str | None, activity: str | None, migrate: bool) -> list[str]:
    names = [CORE_SKILL]
    if chatbot:
        names.append({**CHATBOT_SKILLS, **EXTRA_CHATBOT_SKILLS}[chatbot])
    elif migrate:
        names.append(MIGRATION_SKILL)
    elif not activity:
        names += [*CHATBOT_SKILLS.values(), *ACTIVITY_SKILLS.values(), MIGRATION_SKILL]
    if activity:
        names.append({**ACTIVITY_SKILLS, **EXTRA_ACTIVITY_SKILLS}[activity])
    return names


def _copy_skill(source_root: Path, dest: Path, name: str, force: bool) -> bool:
    source, target = source_root / name, dest / name
    if not source.is_dir():
        print(f"  [skip] {name} — not found in package", file=sys.stderr)
        return False
    if target.exists() or target.is_symlink():
        if not force:
            print(f"  [skip] {name} — destination exists ({target}); rerun with --force to overwrite", file=sys.stderr)
            return False
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    shutil.copytree(source, target)
    print(f"  ✓ {name}")
    return True


def main() -> None:
    """Run ``autoplay-install-skills`` on ``sys.argv`` and exit with its code (see the module docs)."""
    args = _parser().parse_args()
    if args.chatbot and args.chatbot not in CHATBOT_SKILLS and args.chatbot not in EXTRA_CHATBOT_SKILLS:
        print(f"Unknown chatbot '{args.chatbot}'. Valid options: {', '.join(CHATBOT_SKILLS)}", file=sys.stderr)
        sys.exit(1)
    if args.activity and args.activity not in ACTIVITY_SKILLS and args.activity not in EXTRA_ACTIVITY_SKILLS:
        print(
            f"Unknown user activity source '{args.activity}'. Valid options: {', '.join(ACTIVITY_SKILLS)}",
            file=sys.stderr,
        )
        sys.exit(1)

    source_root = Path(__file__).resolve().parent / "skills"
    dest = Path(args.dest)
    dest.mkdir(parents=True, exist_ok=True)
    print(f"Installing Autoplay skills to {dest}/")
    print()
    copied = [
        name
        for name in _selected(args.chatbot, args.activity, args.migrate)
        if _copy_skill(source_root, dest, name, args.force)
    ]
    if not copied and not args.force:
        print(file=sys.stderr)
        print("No skills were copied. Existing directories were preserved. Use --force to overwrite.", file=sys.stderr)
        sys.exit(2)
    request = "Set up Autoplay"
    if args.chatbot:
        request += f" with {args.chatbot}"
    if args.activity:
        request += f" and {args.activity} for user activity"
    print()
    print("Done. Open Cursor or Claude and say:")
    print(f'  "{request}"')
    print("The agent will follow the correct wiring pattern automatically.")


if __name__ == "__main__":  # pragma: no cover
    main()
