"""JSON Schema 2020-12 files and OpenAPI 3.1 documents (data, not code)."""
