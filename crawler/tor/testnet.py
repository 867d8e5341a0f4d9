"""A private Tor network on 127.0.0.1, for tests and benchmarks: no traffic leaves loopback.

Three directory authorities (also relays), a few exit relays whose exit policy allows only
127.0.0.0/8, one onion-service node and one client, all ``TestingTorNetwork 1`` with the fastest
stable voting schedule (the one chutney uses). Readiness is decided by fetching a page through
the onion service, not by "Bootstrapped 100%", which comes well before onion circuits work.

Use ``start_testnet(port)`` as a context manager, or call ``.stop()``; every tor process is also
told ``__OwningControllerProcess`` so it exits if this Python process dies.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from crawler.tor import socks5
from crawler.tor.testsite import LinkedSite

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"

_COMMON = """\
TestingTorNetwork 1
AssumeReachable 1
PathsNeededToBuildCircuits 0.67
TestingDirAuthVoteExit *
TestingDirAuthVoteHSDir *
TestingDirAuthVoteGuard *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
DataDirectory {dir}
Nickname {nick}
RunAsDaemon 0
ShutdownWaitLength 0
__OwningControllerProcess {owner}
Log notice file {dir}/notice.log
SafeLogging 0
LogTimeGranularity 1
ClientUseIPv6 0
UseDefaultFallbackDirs 0
TestingClientDownloadInitialDelay 0
TestingClientConsensusDownloadInitialDelay 0
GeoIPFile {devnull}
GeoIPv6File {devnull}
"""

_AUTHORITY = """\
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ContactInfo {nick}@test.invalid
TestingV3AuthInitialVotingInterval 10
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
"""

_RELAY = """\
SocksPort 0
Address 127.0.0.1
ORPort 127.0.0.1:{orport}
DirPort 127.0.0.1:{dirport}
ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicy accept 127.0.0.0/8:*
ExitPolicy reject *:*
TestingServerDownloadInitialDelay 0
TestingServerConsensusDownloadInitialDelay 0
"""

_ONION = """\
SocksPort 0
HiddenServiceDir {dir}/hidden_service
HiddenServicePort 80 127.0.0.1:{target}
"""

_CLIENT = """\
SocksPort 127.0.0.1:{socks} ExtendedErrors
ControlPort 127.0.0.1:{control}
CookieAuthentication 1
"""


class TestnetError(RuntimeError):
    """The private Tor network did not start or did not become usable in time."""


def tor_binaries() -> tuple[str, str] | None:
    """Paths of ``tor`` and ``tor-gencert`` (Debian package ``tor``), or None if missing."""
    tor, gencert = shutil.which("tor"), shutil.which("tor-gencert")
    return (tor, gencert) if tor and gencert else None


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (all held open together so they are distinct)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(closing(socket.socket())) for _ in range(count)]
        for sock in socks:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in socks]


@dataclass
class _Node:
    nick: str
    dir: Path
    torrc: str
    proc: subprocess.Popen[bytes] | None = None


@dataclass
class Testnet:
    """A running private network. ``onion_host`` serves ``target_port`` on its port 80."""

    __test__ = False  # not a pytest test class, despite the name

    workdir: Path
    onion_host: str
    socks_port: int
    control_port: int
    target_port: int
    ready_after: float = 0.0
    nodes: list[_Node] = field(default_factory=list)
    _own_workdir: bool = True

    @property
    def socks(self) -> str:
        """The ``TOR_SOCKS`` setting value for this network's client."""
        return f"{LOOPBACK}:{self.socks_port}"

    def stop(self) -> None:
        """Terminate every tor process (SIGTERM, then SIGKILL) and remove the temp dir."""
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes:
            if node.proc:
                try:
                    node.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    node.proc.wait()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def logs(self) -> Iterator[tuple[str, str]]:
        """(nickname, notice log text) for each node, to explain a failure."""
        for node in self.nodes:
            path = node.dir / "notice.log"
            yield node.nick, path.read_text(errors="replace") if path.exists() else ""


def _run(cmd: list[str], stdin: str = "") -> str:
    done = subprocess.run(cmd, input=stdin.encode(), capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise TestnetError(f"{cmd[0]} failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout.decode()


def _authority_keys(tor: str, gencert: str, ddir: Path, dirport: int, orport: int) -> tuple[str, str]:
    """Create an authority's v3 keys; return (v3ident, relay identity fingerprint)."""
    keys = ddir / "keys"
    keys.mkdir(parents=True)
    _run(
        [gencert, "--create-identity-key", "--passphrase-fd", "0", "-m", "12",
         "-a", f"{LOOPBACK}:{dirport}", "-i", str(keys / "authority_identity_key"),
         "-s", str(keys / "authority_signing_key"), "-c", str(keys / "authority_certificate")],
        stdin="\n",
    )
    cert = (keys / "authority_certificate").read_text()
    v3ident = next(line.split()[1] for line in cert.splitlines() if line.startswith("fingerprint "))
    _run(
        [tor, "--list-fingerprint", "--DataDirectory", str(ddir), "--ORPort", f"{LOOPBACK}:{orport}",
         "--DirAuthority", f"placeholder {LOOPBACK}:1 " + "f" * 40, "--Log", "err stderr"],
    )
    fingerprint = (ddir / "fingerprint").read_text().split()[1]
    return v3ident, fingerprint


def _build_nodes(
    root: Path, target_port: int, exits: int, extra_ports: dict[int, int] | None = None
) -> tuple[list[_Node], int, int]:
    binaries = tor_binaries()
    if binaries is None:
        raise TestnetError("tor is not installed (Debian: apt-get install tor)")
    tor, gencert = binaries
    ports = iter(free_ports(3 * 2 + exits * 2 + 2))
    owner = os.getpid()
    auth_lines, specs = [], []
    for i in range(3):
        orport, dirport = next(ports), next(ports)
        ddir = root / f"auth{i}"
        v3ident, fpr = _authority_keys(tor, gencert, ddir, dirport, orport)
        auth_lines.append(
            f"DirAuthority auth{i} orport={orport} no-v2 v3ident={v3ident} {LOOPBACK}:{dirport} {fpr}"
        )
        specs.append((f"auth{i}", ddir, _AUTHORITY + _RELAY.format(orport=orport, dirport=dirport)))
    for i in range(exits):
        relay = _RELAY.format(orport=next(ports), dirport=next(ports))
        specs.append((f"exit{i}", root / f"exit{i}", relay))
    onion = _ONION.format(dir=root / "onion", target=target_port) + "".join(
        f"HiddenServicePort {virt} {LOOPBACK}:{local}\n" for virt, local in (extra_ports or {}).items())
    specs.append(("onion", root / "onion", onion))
    socks_port, control_port = next(ports), next(ports)
    specs.append(("client", root / "client", _CLIENT.format(socks=socks_port, control=control_port)))
    nodes = []
    for nick, ddir, body in specs:
        ddir.mkdir(parents=True, exist_ok=True)
        ddir.chmod(0o700)
        # GeoIP files cost ~10 s CPU per tor process to parse and are useless on loopback.
        common = _COMMON.format(dir=ddir, nick=nick, owner=owner, devnull=os.devnull)
        nodes.append(_Node(nick, ddir, common + body + "\n".join(auth_lines) + "\n"))
    return nodes, socks_port, control_port


def _launch(node: _Node) -> None:
    torrc = node.dir / "torrc"
    torrc.write_text(node.torrc)
    defaults = node.dir / "torrc-defaults"  # empty: nothing from /etc/tor leaks into a test node
    defaults.write_text("")
    tor = shutil.which("tor") or "tor"
    node.proc = subprocess.Popen(
        [tor, "-f", str(torrc), "--defaults-torrc", str(defaults)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_for_hostname(node: _Node, deadline: float) -> str:
    path = node.dir / "hidden_service" / "hostname"
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.2)
    raise TestnetError("the onion service did not write its hostname")


def _wait_for_onion_fetch(net: Testnet, deadline: float) -> None:
    """Poll a real HTTP GET of the onion through the client until it succeeds."""
    last: Exception | None = None
    while time.monotonic() < deadline:
        for node in net.nodes:
            if node.proc and node.proc.poll() is not None:
                err = node.proc.stderr.read().decode(errors="replace") if node.proc.stderr else ""
                raise TestnetError(f"tor node {node.nick} exited early: {err[-500:]}")
        try:
            socks5.http_get((LOOPBACK, net.socks_port), net.onion_host, 80, "/", timeout=15)
            return
        except (OSError, socks5.Socks5Error) as exc:
            last = exc
            time.sleep(1.0)
    raise TestnetError(f"onion service not reachable through the test network in time: {last}")


def start_testnet(
    target_port: int, *, exits: int = 2, timeout: float = 180.0, workdir: Path | None = None,
    extra_ports: dict[int, int] | None = None,
) -> Testnet:
    """Start the network, publish 127.0.0.1:``target_port`` as a v3 onion, wait until usable.

    ``extra_ports`` maps more onion ports to local ports on the same onion (e.g. a demo market).
    """
    started = time.monotonic()
    root = workdir or Path(tempfile.mkdtemp(prefix="narcoscope-tornet-"))
    nodes, socks_port, control_port = _build_nodes(root, target_port, exits, extra_ports)
    net = Testnet(root, "", socks_port, control_port, target_port, nodes=nodes,
                  _own_workdir=workdir is None)
    try:
        for node in nodes:
            _launch(node)
        deadline = started + timeout
        net.onion_host = _wait_for_hostname(nodes[-2], deadline)
        _wait_for_onion_fetch(net, deadline)
    except BaseException:
        for nick, text in net.logs():
            logger.error("tor node %s log tail:\n%s", nick, text[-1500:])
        net.stop()
        raise
    net.ready_after = time.monotonic() - started
    logger.info("private Tor network usable after %.1f s (onion %s)", net.ready_after, net.onion_host)
    return net


@contextmanager
def testnet_with_site(
    pages: int = 12, extra_ports: dict[int, int] | None = None
) -> Iterator[tuple[Testnet, LinkedSite]]:
    """A linked site published as an onion on a fresh private network; both stopped on exit.

    For a session-scoped pytest fixture (tests/tor/conftest.py uses it; a top-level conftest can).
    Raises TestnetError when tor is missing: callers decide whether that means skip.
    """
    if tor_binaries() is None:
        raise TestnetError("tor and tor-gencert are not installed (Debian: apt-get install tor)")
    site = LinkedSite(pages=pages).start()
    try:
        with start_testnet(site.port, extra_ports=extra_ports) as net:
            yield net, site
    finally:
        site.stop()


def main() -> None:
    """``python -m crawler.tor.testnet [--port N]``: run a network until Ctrl-C, for manual crawls."""
    import argparse

    parser = argparse.ArgumentParser(description="private Tor network on 127.0.0.1")
    parser.add_argument("--port", type=int, help="local port to publish (default: a demo linked site)")
    parser.add_argument("--pages", type=int, default=20, help="pages of the demo site")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if tor_binaries() is None:
        raise SystemExit("tor is not installed (Debian: apt-get install tor)")
    site = None if args.port else LinkedSite(pages=args.pages).start()
    port = args.port or (site.port if site else 0)
    with start_testnet(port) as net:
        logger.info("TOR_SOCKS=%s TOR_CONTROL=127.0.0.1:%d", net.socks, net.control_port)
        logger.info("onion: http://%s/ -> 127.0.0.1:%d   (Ctrl-C stops every tor process)", net.onion_host, port)
        try:
            while all(node.proc and node.proc.poll() is None for node in net.nodes):
                time.sleep(1)
            logger.error("a tor process exited; stopping the network")
        except KeyboardInterrupt:
            pass
    if site:
        site.stop()


if __name__ == "__main__":
    main()
