"""Benchmarks, run by `make bench`. They print ratios against a baseline run side by side, not
pass/fail timings."""
