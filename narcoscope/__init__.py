"""narcoscope: a monitor of darknet and open-source drug markets.

The pipeline runs crawler → store → nlp → index → reports/web; this package holds only what
every stage shares: the typed records, the CLI and the paths.
"""

__version__ = "0.1.0"
