"""Push-to-talk from a terminal: Space or Enter, no root, no display, works over SSH.

    with PushToTalk(mode="toggle", on_change=lambda talking: ...) as ptt:
        ...                       # ptt.talking is the current state

The terminal is put in cbreak mode (keys arrive one by one, not echoed; Ctrl+C still interrupts)
and a thread reads it. `on_change(bool)` is called from that thread on every transition.

* ``toggle``: a press starts talking, the next press stops.
* ``hold``: a terminal sends no key-up events, but a held key auto-repeats (after an initial
  delay of typically 250-660 ms, then every 30-50 ms). Talking starts on the first press and
  stops when no key has arrived for `release_gap` seconds (default 0.5); until the first repeat
  comes in, the wait is `first_gap` (default 0.7 s) so the initial repeat delay does not cut a
  held key short. A single tap therefore talks for about `first_gap`.

The terminal settings are restored when the block ends, by exception too; talking is switched
off (with `on_change(False)`) on the way out.
"""
from __future__ import annotations

import os
import select
import sys
import threading
import time
from typing import Callable

KEYS = frozenset(b" \r\n")


class PushToTalkError(RuntimeError):
    """Push-to-talk cannot run here (no terminal)."""


class PushToTalk:
    def __init__(self, mode: str = "toggle", on_change: Callable[[bool], None] | None = None,
                 release_gap: float = 0.5, first_gap: float = 0.7, fd: int | None = None) -> None:
        if mode not in ("toggle", "hold"):
            raise ValueError(f"push-to-talk mode must be 'toggle' or 'hold', not {mode!r}")
        self.mode = mode
        self.on_change = on_change or (lambda talking: None)
        self.release_gap = release_gap
        self.first_gap = max(first_gap, release_gap)
        self._fd_arg = fd
        self.fd = -1
        self.talking = False
        self._saved = None
        self._thread: threading.Thread | None = None
        self._wake_r = self._wake_w = -1
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    # -- context --
    def __enter__(self) -> "PushToTalk":
        import termios
        import tty

        fd = self._fd_arg if self._fd_arg is not None else _stdin_fd()
        if fd < 0 or not os.isatty(fd):
            raise PushToTalkError(
                "push-to-talk reads Space/Enter from a terminal, but standard input is not a TTY "
                "(piped, redirected or run without a terminal); run it in a terminal "
                "(over SSH use `ssh -t`), or use hands-free mode")
        self.fd = fd
        self._saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            self._wake_r, self._wake_w = os.pipe()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="push-to-talk", daemon=True)
            self._thread.start()
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            try:
                os.write(self._wake_w, b"x")
            except OSError:
                pass
            self._thread.join(timeout=2)
            self._thread = None
        for f in (self._wake_r, self._wake_w):
            if f >= 0:
                os.close(f)
        self._wake_r = self._wake_w = -1
        self._restore()
        self._set(False)

    def _restore(self) -> None:
        if self._saved is not None:
            import termios

            try:
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            finally:
                self._saved = None

    # -- reader thread --
    def _set(self, talking: bool) -> None:
        with self._lock:
            if talking == self.talking:
                return
            self.talking = talking
        try:
            self.on_change(talking)
        except Exception as e:         # a failing callback must not kill the key reader silently
            self.error = e

    def _run(self) -> None:
        last_key = 0.0
        repeats = 0
        try:
            while not self._stop.is_set():
                timeout = None
                if self.mode == "hold" and self.talking:
                    gap = self.release_gap if repeats else self.first_gap
                    timeout = max(0.0, last_key + gap - time.monotonic())
                ready, _, _ = select.select([self.fd, self._wake_r], [], [], timeout)
                if self._wake_r in ready or self._stop.is_set():
                    break
                if not ready:                          # hold: the key was let go
                    self._set(False)
                    continue
                data = os.read(self.fd, 1024)
                if not data:                           # terminal closed
                    break
                presses = sum(1 for b in data if b in KEYS)
                if not presses:
                    continue
                now = time.monotonic()
                if self.mode == "toggle":
                    for _ in range(presses):
                        self._set(not self.talking)
                else:
                    if self.talking:
                        repeats += presses
                    else:
                        repeats = presses - 1
                        self._set(True)
                    last_key = now
        except OSError as e:
            self.error = e
        finally:
            if self.mode == "hold":
                self._set(False)


def _stdin_fd() -> int:
    try:
        return sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return -1


if __name__ == "__main__":       # python -m assistant.ptt [toggle|hold]: try it
    mode = sys.argv[1] if len(sys.argv) > 1 else "toggle"
    print(f"push-to-talk ({mode}): Space/Enter; Ctrl+C to quit", flush=True)
    try:
        with PushToTalk(mode, on_change=lambda t: print("TALKING" if t else "idle", flush=True)):
            threading.Event().wait()
    except PushToTalkError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
