"""Workflow queries and mutations: lifecycle, sharing, clones and templates."""
