"""Suppliers and their linked channels."""
