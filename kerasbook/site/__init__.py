"""The book's website: build-time pieces used by `mkdocs.yml`.

* `kerasbook.site.mkdocs_hook`: serves KaTeX with the site (fetched from the
  npm registry at build time, never from a CDN) and captions each chapter
  figure with the run that drew it.
* `python -m kerasbook.figures`: redraws the figures those pages show.
"""
