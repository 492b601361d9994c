"""Environments, data sources, add-ons and models: list for members, change for admins."""
