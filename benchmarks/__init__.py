"""The scale benchmarks (issue 6): `python benchmarks/run.py --help`."""
