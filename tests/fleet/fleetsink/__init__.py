"""Test hosts for the fleet tests (loaded with the real pyprod loader)."""
