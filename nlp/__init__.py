"""narcoscope's extraction pipeline: substances, NPS candidates, shipping, prices, quantities.

The public surface is deliberately narrow::

    from nlp import Extractor
    extractor = Extractor.from_config()            # config/ of the repository
    extraction = extractor.extract_listing(listing, observed_at)
    for extraction in extractor.extract_many(records, observed_at): ...
    extractor.version                               # store it with every result
"""

from nlp._extractor import Extractor
from nlp.errors import ExtractionError

__all__ = ["ExtractionError", "Extractor"]
