"""A simulated Cisco IOS router behind a real SSH server (asyncssh) on loopback.

It holds a running-config and a startup-config and answers the CLI the way IOS does for what remediate (or a
person with `ssh -p PORT remediate@127.0.0.1`) types: prompts `router>` / `router#` / `router(config)#`,
`terminal length N`, `show running-config` / `startup-config` / `version` (paged with ` --More-- ` unless
`terminal length 0`), `configure terminal`, `ip inspect name X P [alert on|off] [audit-trail on|off]
[timeout N]`, `no ip inspect name X P ...`, `alias exec NAME TEXT` / `no alias exec NAME` (where remediate keeps
its device lock, remediate/transport/ios_lock.py), `end` / `exit` / Ctrl-Z, `write memory` ("Building
configuration...\\n[OK]"), `copy running-config startup-config`, `enable` / `disable`; keywords may be abbreviated
(`sh run`, `conf t`, `wr mem`). Anything else gets `% Invalid input detected at '^' marker.` under the word that
did not match, `% Incomplete command.` or `% Ambiguous command:`. Typed characters are echoed when the client asked
for a terminal, as a vty does. An exec request (`ssh router show version`) runs that one command.

The path model lives in `remediate.lab.smtp`: a router whose running-config holds `ip inspect name X smtp` masks
the SMTP banners of the listeners it is on the path to.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncssh

DEFAULT_CONFIG = """\
!
version 12.4
service timestamps debug datetime msec
service timestamps log datetime msec
service password-encryption
!
hostname {hostname}
!
ip cef
!
interface FastEthernet0/0
 description mail path
 ip address 192.0.2.1 255.255.255.0
!
interface FastEthernet0/1
 ip address 198.51.100.1 255.255.255.0
!
line vty 0 4
 login local
 transport input ssh
!
end
"""
VERSION = ("Cisco IOS Software, 1841 Software (C1841-ADVIPSERVICESK9-M), Version 12.4(24)T8, RELEASE SOFTWARE "
           "(fc1)\nROM: System Bootstrap, Version 12.4(13r)T, RELEASE SOFTWARE (fc1)\n\n{hostname} uptime is 4 weeks,"
           " 2 days, 3 hours, 7 minutes\nSystem image file is \"flash:c1841-advipservicesk9-mz.124-24.T8.bin\"\n\n"
           "Cisco 1841 (revision 7.0) with 236544K/25600K bytes of memory.\nConfiguration register is 0x2102")
PROTOCOLS = ("smtp", "esmtp", "tcp", "udp", "ftp", "http", "icmp", "dns", "pop3", "imap")
MAX_LINE = 1024  # characters of one typed command line; more are dropped, as a vty's line buffer would
_INSPECT = re.compile(r"ip inspect name (\S+) (\S+)(?: .*)?")


@dataclass
class SimRouter:
    """One router's state. Thread-safe: the SSH sessions run on the lab's loop, tests read from their thread."""

    name: str
    hostname: str = "router"
    running: list[str] = field(default_factory=list)
    startup: list[str] = field(default_factory=list)
    users: dict[str, tuple[str, int]] = field(default_factory=dict)  # user -> (password, privilege 1 or 15)
    path_to: list[str] = field(default_factory=list)  # SMTP listeners whose traffic crosses this router
    commands: list[str] = field(default_factory=list)  # every command line received, for tests
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Tests: called (in a worker thread, the loop keeps serving other sessions) with each typed line before it runs.
    before_command: Callable[[str], None] | None = None

    def load(self, data: dict[str, Any]) -> None:
        """Scenario data: `config` (running-config text; startup is the same unless `startup` is given), `path_to`,
        `hostname` (default: the config's `hostname` line, else the router's name)."""
        with self.lock:
            named = re.search(r"^hostname (\S+)$", str(data.get("config") or ""), re.MULTILINE)
            self.hostname = str(data.get("hostname") or (named[1] if named else self.name))
            config = data.get("config") or DEFAULT_CONFIG.format(hostname=self.hostname)
            self.running = _lines(config)
            self.startup = _lines(data["startup"]) if data.get("startup") else list(self.running)
            self.path_to = [str(p) for p in data.get("path_to") or []]

    def snapshot(self) -> dict[str, list[str]]:
        with self.lock:
            return {"running": list(self.running), "startup": list(self.startup)}

    def inspects_smtp(self) -> bool:
        """Classic CBAC SMTP inspection configured (`ip inspect name X smtp`; `esmtp` understands ESMTP)."""
        with self.lock:
            return any((m := _INSPECT.fullmatch(line)) is not None and m[2] == "smtp" for line in self.running)

    def set_inspect(self, name: str, protocol: str, options: list[str], remove: bool) -> None:
        """`[no] ip inspect name ...`: one line per (name, protocol), options in the order IOS prints them."""
        with self.lock:
            index = next((i for i, line in enumerate(self.running)
                          if (m := _INSPECT.fullmatch(line)) and (m[1], m[2]) == (name, protocol)), None)
            if remove:
                if index is not None:
                    del self.running[index]
                return
            line = " ".join(["ip inspect name", name, protocol, *options])
            if index is not None:
                self.running[index] = line
                return
            # IOS appends a protocol to its inspection rule: after that name's last line, else after the last rule.
            last = max((i for i, text in enumerate(self.running)
                        if (m := _INSPECT.fullmatch(text)) and m[1] == name), default=None)
            if last is None:
                last = max((i for i, text in enumerate(self.running) if text.startswith("ip inspect name ")),
                           default=None)
            if last is None:
                last = next((i - 1 for i, text in enumerate(self.running) if text.startswith("interface ")),
                            len(self.running) - 2)
            self.running.insert(last + 1, line)

    def set_alias(self, mode: str, name: str, text: str | None) -> None:
        """`alias MODE NAME TEXT` (one line per mode and name, replaced when typed again); `no alias MODE NAME`."""
        with self.lock:
            prefix = f"alias {mode} {name} "
            index = next((i for i, line in enumerate(self.running) if line.startswith(prefix)), None)
            if text is None:
                if index is not None:
                    del self.running[index]
                return
            line = prefix + text
            if index is not None:
                self.running[index] = line
                return
            # IOS prints aliases after the global settings, before the `line` sections.
            at = next((i for i, text_ in enumerate(self.running) if text_.startswith("line ")),
                      next((i for i, text_ in enumerate(self.running) if text_ == "end"), len(self.running)))
            self.running.insert(at, line)

    def save(self) -> None:
        with self.lock:
            self.startup = list(self.running)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in str(text).splitlines() if line.strip() != ""]


class _Done(Exception):
    """The session ends (exit / logout)."""


class CliSession:
    """The IOS command interpreter of one vty. `execute(line)` returns the text to print (without the prompt)."""

    def __init__(self, router: SimRouter, privilege: int) -> None:
        self.router = router
        self.privileged = privilege >= 15
        self.config = False
        self.length = 24

    @property
    def prompt(self) -> str:
        return f"{self.router.hostname}{'(config)' if self.config else ''}{'#' if self.privileged else '>'}"

    def execute(self, line: str) -> str:
        with self.router.lock:
            self.router.commands.append(line)
        words = line.split()
        if not words or line.lstrip().startswith("!"):
            return ""
        try:
            return self._config(line, words) if self.config else self._exec(line, words)
        except _Invalid as exc:
            column = len(self.prompt) + _offset(line, exc.index)
            return " " * column + "^\n% Invalid input detected at '^' marker.\n"
        except _Incomplete:
            return "% Incomplete command.\n"
        except _Ambiguous:
            return f'% Ambiguous command:  "{line.strip()}"\n'

    def _exec(self, line: str, words: list[str]) -> str:
        choices = ["enable", "disable", "exit", "logout", "terminal", "show"]
        if self.privileged:
            choices += ["configure", "write", "copy"]
        verb = _keyword(words, 0, choices)
        if verb in ("exit", "logout"):
            raise _Done()
        if verb == "enable":
            self.privileged = True  # the lab's users log in at 15 or may enable freely: no enable secret modelled
            return ""
        if verb == "disable":
            self.privileged = self.config = False
            return ""
        if verb == "terminal":
            _keyword(words, 1, ["length"])
            self.length = _number(words, 2, 0, 512)
            _end(words, 3)
            return ""
        if verb == "show":
            what = _keyword(words, 1, ["running-config", "startup-config", "version"] if self.privileged
                            else ["version"])
            _end(words, 2)
            return self._show(what)
        if verb == "configure":
            _keyword(words, 1, ["terminal"])
            _end(words, 2)
            self.config = True
            return "Enter configuration commands, one per line.  End with CNTL/Z.\n"
        if verb == "write":
            if len(words) > 1:
                _keyword(words, 1, ["memory"])
                _end(words, 2)
            self.router.save()
            return "Building configuration...\n[OK]\n"
        _keyword(words, 1, ["running-config"])  # copy
        _keyword(words, 2, ["startup-config"])
        _end(words, 3)
        self.router.save()
        return "Destination filename [startup-config]? \nBuilding configuration...\n[OK]\n"

    def _show(self, what: str) -> str:
        with self.router.lock:
            running, startup, hostname = list(self.router.running), list(self.router.startup), self.router.hostname
        if what == "version":
            return VERSION.format(hostname=hostname) + "\n"
        if what == "running-config":
            body = "\n".join(running) + "\n"
            return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"
        body = "\n".join(startup) + "\n"
        return f"Using {len(body)} out of 196600 bytes\n{body}"

    def _config(self, line: str, words: list[str]) -> str:
        verb = _keyword(words, 0, ["ip", "no", "end", "exit", "alias"])
        if verb in ("end", "exit"):
            _end(words, 1)
            self.config = False
            return ""
        remove = verb == "no"
        base = 1 if remove else 0
        if (_keyword(words, base, ["ip", "alias"]) if remove else verb) == "alias":
            return self._alias(line, words, base, remove)
        _keyword(words, base + 1, ["inspect"])
        _keyword(words, base + 2, ["name"])
        if len(words) <= base + 3:
            raise _Incomplete()
        name = words[base + 3]
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", name):
            raise _Invalid(base + 3)
        protocol = _keyword(words, base + 4, list(PROTOCOLS))
        options = _inspect_options(words, base + 5)
        self.router.set_inspect(name, protocol, options, remove)
        return ""


    def _alias(self, line: str, words: list[str], base: int, remove: bool) -> str:
        """`alias exec NAME TEXT...` / `no alias exec NAME`: the exec mode only, the text kept as typed."""
        mode = _keyword(words, base + 1, ["exec"])
        if len(words) <= base + 2:
            raise _Incomplete()
        name = words[base + 2]
        if remove:
            self.router.set_alias(mode, name, None)
            return ""
        if len(words) <= base + 3:
            raise _Incomplete()
        text = line.strip().split(None, base + 3)[-1]
        self.router.set_alias(mode, name, text)
        return ""


class _Invalid(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class _Incomplete(Exception):
    pass


class _Ambiguous(Exception):
    pass


def _offset(line: str, index: int) -> int:
    """Column of the index-th word of `line` (the end of the line when there is no such word)."""
    spans = [m.start() for m in re.finditer(r"\S+", line)]
    return spans[index] if index < len(spans) else len(line.rstrip())


def _keyword(words: list[str], index: int, choices: list[str]) -> str:
    if index >= len(words):
        raise _Incomplete()
    word = words[index].lower()
    exact = [c for c in choices if c == word]
    found = exact or [c for c in choices if c.startswith(word)]
    if not found:
        raise _Invalid(index)
    if len(found) > 1:
        raise _Ambiguous()
    return found[0]


def _number(words: list[str], index: int, low: int, high: int) -> int:
    if index >= len(words):
        raise _Incomplete()
    if not re.fullmatch(r"[0-9]{1,7}", words[index]) or not low <= int(words[index]) <= high:
        raise _Invalid(index)
    return int(words[index])


def _end(words: list[str], index: int) -> None:
    if len(words) > index:
        raise _Invalid(index)


def _inspect_options(words: list[str], start: int) -> list[str]:
    """alert on|off, audit-trail on|off, timeout N, in any order; returned in the order IOS prints them."""
    found: dict[str, str] = {}
    index = start
    while index < len(words):
        option = _keyword(words, index, ["alert", "audit-trail", "timeout"])
        if option in found:
            raise _Invalid(index)
        if option == "timeout":
            found[option] = str(_number(words, index + 1, 5, 2_147_483))
        else:
            found[option] = _keyword(words, index + 1, ["on", "off"])
        index += 2
    return [f"{k} {found[k]}" for k in ("alert", "audit-trail", "timeout") if k in found]


# --------------------------------------------------------------------------------------------------- SSH server

MORE = " --More-- "
ERASE_MORE = "\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE)


class _SshServer(asyncssh.SSHServer):
    def __init__(self, router: SimRouter) -> None:
        self._router = router

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        with self._router.lock:
            known = self._router.users.get(username)
        return known is not None and known[0] == password


async def serve_session(router: SimRouter, process: asyncssh.SSHServerProcess[str]) -> None:
    """One vty: prompt, read characters, echo them when a terminal was requested, run each line, page output."""
    user = process.get_extra_info("username")
    with router.lock:
        privilege = router.users.get(user, ("", 1))[1]
    cli = CliSession(router, privilege)
    echo = process.get_terminal_type() is not None
    if process.command is not None:  # exec request: one command, its output, exit
        cli.length = 0
        process.stdout.write(_crlf(cli.execute(process.command)))
        process.exit(0)
        return
    chars: list[str] = []
    pending: list[str] = []
    last_cr = False

    async def key() -> str | None:
        """The next key; Enter is "\r" whether the client sends CR, LF or CR LF."""
        nonlocal last_cr
        while True:
            while not pending:
                data = await process.stdin.read(1024)
                if not data:
                    return None
                pending.extend(data)
            char = pending.pop(0)
            if char == "\n" and last_cr:
                last_cr = False
                continue
            last_cr = char == "\r"
            return "\r" if char == "\n" else char

    try:
        process.stdout.write("\r\n" + cli.prompt)
        while (char := await key()) is not None:
            if char == "\r":
                line = "".join(chars)
                chars.clear()
                if echo:
                    process.stdout.write("\r\n")
                if router.before_command is not None:
                    await asyncio.get_running_loop().run_in_executor(None, router.before_command, line)
                try:
                    output = cli.execute(line)
                except _Done:
                    break
                await _page(process, cli.length, output, key)
                process.stdout.write(cli.prompt)
            elif char in "\x08\x7f":
                if chars:
                    chars.pop()
                    if echo:
                        process.stdout.write("\b \b")
            elif char == "\x1a" and cli.config:  # Ctrl-Z: end
                cli.config = False
                chars.clear()
                process.stdout.write("^Z\r\n" + cli.prompt)
            elif char.isprintable() and len(chars) < MAX_LINE:
                chars.append(char)
                if echo:
                    process.stdout.write(char)
    except (asyncssh.Error, ConnectionError, BrokenPipeError):
        pass  # the client went away
    finally:
        try:
            process.exit(0)
        except (asyncssh.Error, ConnectionError, OSError):
            pass


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


async def _page(process: Any, length: int, output: str, key: Any) -> None:
    """Write output; with a terminal length, stop every page at --More-- (space: page, Enter: line, else quit)."""
    lines = output.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if length == 0 or len(lines) < length:
        process.stdout.write(_crlf("\n".join(lines) + ("\n" if lines else "")))
        return
    shown, budget = 0, length - 1
    while shown < len(lines):
        chunk = lines[shown : shown + budget]
        process.stdout.write(_crlf("\n".join(chunk) + "\n"))
        shown += len(chunk)
        if shown >= len(lines):
            return
        process.stdout.write(MORE)
        answer = await key()
        process.stdout.write(ERASE_MORE)
        if answer == " ":
            budget = length - 1
        elif answer == "\r":
            budget = 1
        else:
            return


async def start_router(router: SimRouter, host_key: asyncssh.SSHKey, port: int = 0) -> tuple[Any, int]:
    """Serve `router` over SSH on 127.0.0.1; returns (acceptor, port). The caller's loop must keep running."""
    acceptor = await asyncssh.create_server(
        lambda: _SshServer(router), "127.0.0.1", port, server_host_keys=[host_key],
        process_factory=lambda process: serve_session(router, process), line_editor=False,
        encoding="utf-8", errors="replace", login_timeout=30, keepalive_interval=0,
    )
    return acceptor, acceptor.sockets[0].getsockname()[1]
