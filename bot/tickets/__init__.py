"""Problem tickets and their service-level targets."""
