"""The ``TOR_*`` settings group, parsed and validated once (no network I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.tor.errors import TorSettingsError

#: Defaults, for the lead's settings map (``settings/default_settings.py`` style).
DEFAULTS: dict[str, Any] = {
    "TOR_SOCKS": "",  # "host:port" of Tor's SocksPort; empty = Tor not configured
    "TOR_ALL_TRAFFIC": False,  # also send clearnet sources through Tor
    "TOR_CONTROL": "",  # "host:port" of Tor's ControlPort, only used by `narcoscope doctor`
    "TOR_CONTROL_PASSWORD": "",  # HashedControlPassword secret for the doctor, if any
    "TOR_ISOLATE": True,  # one circuit per source (SOCKS username per source, IsolateSOCKSAuth)
}


def parse_hostport(value: str, name: str) -> tuple[str, int]:
    """``"127.0.0.1:9050"`` -> ``("127.0.0.1", 9050)``; a bare port means 127.0.0.1."""
    text = value.strip()
    if text.isdigit():
        text = f"127.0.0.1:{text}"
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise TorSettingsError(f"{name} must look like 127.0.0.1:9050, got {value!r}")
    return host, int(port)


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise TorSettingsError(f"{name} must be a boolean, got {value!r}")


@dataclass(frozen=True, slots=True)
class TorSettings:
    """Validated ``TOR_*`` values. ``socks is None`` means Tor is not configured."""

    socks: tuple[str, int] | None = None
    all_traffic: bool = False
    control: tuple[str, int] | None = None
    control_password: str = ""
    isolate: bool = True

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> TorSettings:
        """Build from Scrapy ``Settings`` or a plain dict; missing keys take ``DEFAULTS``."""

        def get(key: str) -> Any:
            value = settings.get(key)
            return DEFAULTS[key] if value is None else value

        socks_text, control_text = str(get("TOR_SOCKS") or ""), str(get("TOR_CONTROL") or "")
        parsed = cls(
            socks=parse_hostport(socks_text, "TOR_SOCKS") if socks_text.strip() else None,
            all_traffic=_as_bool(get("TOR_ALL_TRAFFIC"), "TOR_ALL_TRAFFIC"),
            control=parse_hostport(control_text, "TOR_CONTROL") if control_text.strip() else None,
            control_password=str(get("TOR_CONTROL_PASSWORD") or ""),
            isolate=_as_bool(get("TOR_ISOLATE"), "TOR_ISOLATE"),
        )
        if parsed.all_traffic and parsed.socks is None:
            raise TorSettingsError(
                "TOR_ALL_TRAFFIC is on but TOR_SOCKS is empty: set TOR_SOCKS=127.0.0.1:9050"
            )
        return parsed
