"""Text catalogs, one module per language, with the same keys and the same {fields}."""
