"""Grading platforms: what a Gradescope bundle or a GitHub Classroom set-up needs."""
