"""Supplier scorecards: variables, criteria formulas, scores, levels and their approvals."""
