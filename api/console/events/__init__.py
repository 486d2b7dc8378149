"""The events of an operator's districts."""
