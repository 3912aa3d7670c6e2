"""The HTML view's node budget, apart from the exporter so that the CLI reads it without importing the page's
libraries."""

DEFAULT_MAX_NODES = 2000  # nodes the explorer draws at most: the most linked papers and their entities
