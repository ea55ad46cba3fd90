"""Adapters for real services, over the one HTTP layer in :mod:`cylvy_pipeline.providers.http`."""
