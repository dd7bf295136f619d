"""Data exchange: CSV/XLSX export (and import)."""
