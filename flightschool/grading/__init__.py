"""Grading labs: the assertion engine, check types, the runner and its report."""
