"""spaCy components of the extraction pipeline, registered under versioned factory names.

Importing this package registers every factory (``narcoscope_*_v1``; spaCy forbids dots in factory names) so that
``config/nlp/pipeline.cfg`` can assemble the pipeline.
"""

from nlp.components import fuzzy, language, measures, novelty, substances

__all__ = ["fuzzy", "language", "measures", "novelty", "substances"]
