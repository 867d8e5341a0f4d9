"""narcoscope's Tor layer: onion fetching through Tor only, one circuit per source.

Components (each enabled from settings, ``TOR_*`` group in ``crawler.tor.settings.DEFAULTS``):

- ``crawler.tor.handler.TorDownloadHandler`` — the http/https download handler (DOWNLOAD_HANDLERS);
- ``crawler.tor.mirrors.MirrorPool`` — mirror choice with exponential back-off;
- ``crawler.tor.doctor.run_doctor`` — the checks behind ``narcoscope doctor``;
- ``crawler.tor.testnet.start_testnet`` — a private Tor network on 127.0.0.1 for tests and benches.

Only light modules are imported here, so ``import crawler.tor`` does not pull in Scrapy/Twisted.
"""

from crawler.tor.errors import TorError, TorNotConfiguredError, TorSettingsError
from crawler.tor.mirrors import MirrorPool
from crawler.tor.settings import DEFAULTS, TorSettings

__all__ = ["DEFAULTS", "MirrorPool", "TorError", "TorNotConfiguredError", "TorSettings", "TorSettingsError"]
