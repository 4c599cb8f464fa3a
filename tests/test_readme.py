"""The README's two opening commands are the ones CI and new users run; keep them true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README.md must open with a ```bash block holding the install-and-run commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_an_app_command_and_a_test_command():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith("python main.py"), commands[0]
    assert "[test]" in commands[1] and "pytest" in commands[1], commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _readme_commands()[1] in ci_lines
