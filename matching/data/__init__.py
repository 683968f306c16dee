"""The sample catalog shipped with the package (SAMPLE DATA, see the file's header)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from matching.catalog import Catalog
from matching.catalog_yaml import parse_catalog

SAMPLE_CATALOG = "sample_catalog.yaml"


@lru_cache(maxsize=1)
def sample_catalog() -> Catalog:
    """The sample catalog; the package's own data, read once like a constant."""
    text = resources.files(__name__).joinpath(SAMPLE_CATALOG).read_text(encoding="utf-8")
    return parse_catalog(text, source=SAMPLE_CATALOG)
