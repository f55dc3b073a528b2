"""HTML pages, one module per part of the site."""
