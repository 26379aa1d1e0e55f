"""Submissions in, a graded output folder out: discovery, the batch, the output folder."""
