"""Toy pyprod components for the offline runtime tests (package ``Toy``)."""
