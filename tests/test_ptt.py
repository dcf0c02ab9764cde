"""Push-to-talk driven through a real pseudo-terminal, as a user at a terminal (or over SSH) would."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

REPO = Path(__file__).resolve().parents[1]

# The child holds push-to-talk open until the test creates the quit file.
CHILD = r"""
import os, sys, termios, time
from assistant.ptt import PushToTalk
mode, action = sys.argv[1], sys.argv[2]
fd = sys.stdin.fileno()
before = termios.tcgetattr(fd)
t0 = time.monotonic()
def change(on):
    print(("ON" if on else "OFF") + " %.3f" % (time.monotonic() - t0), flush=True)
try:
    with PushToTalk(mode, on_change=change, release_gap=0.5, first_gap=0.7):
        lflag = termios.tcgetattr(fd)[3]
        print("READY echo=%d icanon=%d" % (bool(lflag & termios.ECHO), bool(lflag & termios.ICANON)), flush=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
            time.sleep(0.02)
        if action == "raise":
            raise ValueError("boom")
except ValueError as e:
    print("RAISED", e, flush=True)
after = termios.tcgetattr(fd)
print("RESTORED" if after == before else "NOT-RESTORED", flush=True)
"""


def spawn(mode: str, quit_file: Path, action: str = "stay"):
    child = pexpect.spawn(sys.executable, ["-c", CHILD, mode, action, str(quit_file)], cwd=str(REPO),
                          encoding="utf-8", timeout=15, echo=False)
    child.expect(r"READY echo=(\d) icanon=(\d)")
    assert child.match.group(1) == "0" and child.match.group(2) == "0", "terminal not in cbreak mode"
    return child


def finish(child, quit_file: Path) -> str:
    quit_file.touch()
    child.expect(r"(NOT-RESTORED|RESTORED)")
    status = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    return status


def transitions(text: str) -> list[tuple[str, float]]:
    out = []
    for line in text.splitlines():
        parts = line.strip().split()
        if len(parts) == 2 and parts[0] in ("ON", "OFF"):
            out.append((parts[0], float(parts[1])))
    return out


def read_until_quiet(child, seconds: float) -> str:
    buf = ""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            buf += child.read_nonblocking(4096, timeout=0.05)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            break
    return buf


def test_toggle_space_and_enter_flip_talking(tmp_path):
    child = spawn("toggle", tmp_path / "quit")
    seen = ""
    for key in [" ", "\r", " ", "\n"]:
        child.send(key)
        time.sleep(0.15)
    child.send("x")                       # other keys do nothing
    seen += read_until_quiet(child, 0.4)
    assert [s for s, _ in transitions(seen)] == ["ON", "OFF", "ON", "OFF"]
    assert finish(child, tmp_path / "quit") == "RESTORED"


def test_toggle_left_on_is_switched_off_on_exit(tmp_path):
    child = spawn("toggle", tmp_path / "quit")
    child.send(" ")
    child.expect("ON")
    (tmp_path / "quit").touch()
    child.expect("OFF")
    child.expect("RESTORED")
    child.expect(pexpect.EOF)


def test_hold_follows_key_autorepeat(tmp_path):
    child = spawn("hold", tmp_path / "quit")
    t_first = time.monotonic()
    child.send(" ")
    time.sleep(0.4)                       # terminal's initial repeat delay (< first_gap 0.7 s)
    for _ in range(20):                   # then auto-repeat every 40 ms for 0.8 s
        child.send(" ")
        time.sleep(0.04)
    t_last = time.monotonic()
    seen = read_until_quiet(child, 1.2)
    tr = transitions(seen)
    assert [s for s, _ in tr] == ["ON", "OFF"], seen
    held = tr[1][1] - tr[0][1]
    expected = (t_last - t_first) + 0.5
    assert expected - 0.25 < held < expected + 0.35, (held, expected)
    # a tap: talks about first_gap, then stops by itself
    child.send("\r")
    seen = read_until_quiet(child, 1.3)
    tr = transitions(seen)
    assert [s for s, _ in tr] == ["ON", "OFF"], seen
    assert 0.55 < tr[1][1] - tr[0][1] < 1.0
    assert finish(child, tmp_path / "quit") == "RESTORED"


def test_terminal_restored_after_exception(tmp_path):
    child = spawn("hold", tmp_path / "quit", action="raise")
    child.send(" ")
    child.expect("ON")
    (tmp_path / "quit").touch()
    child.expect("RAISED boom")
    child.expect("RESTORED")
    child.expect(pexpect.EOF)


def test_not_a_tty_is_a_clear_error():
    code = ("from assistant.ptt import PushToTalk, PushToTalkError\n"
            "try:\n    PushToTalk('toggle').__enter__()\n"
            "except PushToTalkError as e:\n    print('ERR', e)\n")
    p = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, cwd=str(REPO), timeout=30)
    assert p.stdout.startswith("ERR"), p.stdout + p.stderr
    assert "not a TTY" in p.stdout


def test_bad_mode_is_refused():
    from assistant.ptt import PushToTalk

    with pytest.raises(ValueError, match="toggle"):
        PushToTalk("press")
