"""What runs after crawls, in whichever command ran them: the later stages that react to new data.

Data flows one way (DESIGN.md): the crawler never imports the web or entity stages, so the
commands that run crawls (crawl, demo, the scheduler) call this once their crawls are done.
"""

from __future__ import annotations

import logging

from narcoscope.paths import Paths

log = logging.getLogger(__name__)


def after_crawls(paths: Paths) -> None:
    """Link vendor identities and register NPS candidates from the new records, then check alerts."""
    import entities
    from web.alerts import check_alerts

    entities.update(paths)
    try:
        fired = check_alerts(paths)
    except Exception:  # an alert delivery problem must not turn a good crawl into a failed one
        log.exception("checking alerts failed; the crawl's data is stored and indexed")
        return
    for f in fired:
        log.info("alert fired: %s", f)
