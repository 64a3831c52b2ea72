"""HTTP server: SPARQL 1.1 Protocol endpoint and graph query API (FastAPI)."""
