"""Benchmarks: ``python -m bench`` prints one JSON object of ratios measured in the same run."""
