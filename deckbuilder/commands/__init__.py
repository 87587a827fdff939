"""What commands print: the `entries` table and JSON, the `check` summary and JSON."""
