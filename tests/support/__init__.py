"""Helpers shared by tests and benchmarks (tests/ is on pytest's path: `from support.x import y`)."""
