"""Messages people write in linked channels."""
