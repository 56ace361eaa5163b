"""Grading: outcomes per submission and exercise, the pytest plugin, and the report writer."""
