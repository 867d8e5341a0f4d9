"""The one thing pyproject.toml does not say (its ``ext-modules`` table is still experimental): the
C loops of ``nlp/_tokendata.c``. Optional: without a C compiler the install goes on, and
``nlp/components/_doc.py`` runs the same loops in Python."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("nlp._tokendata", ["nlp/_tokendata.c"], extra_compile_args=["-O2"], optional=True)])
