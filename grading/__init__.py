"""Grading a whole class with nbgrader: safely, in bulk, with feedback and item analysis."""
