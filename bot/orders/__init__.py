"""Orders: issuing, confirmation, date proposals, production updates, receipts, inspections."""
