"""narcoscope's analyst workbench: a JSON API (with its OpenAPI document) and the pages that use it.

``create_app`` builds the FastAPI application; ``check_alerts`` is what the pipeline calls after a
crawl. Everything reads the index through ``index.base.Index`` so it works on SQLite and
Elasticsearch alike, and the record store / page store for evidence.
"""

from web.alerts import Firing, check_alerts
from web.app import create_app

__all__ = ["Firing", "check_alerts", "create_app"]
