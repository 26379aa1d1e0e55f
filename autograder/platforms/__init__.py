"""Where grades go: Gradescope (bundle and results.json), GitHub Classroom (workflow and
fetch), nbgrader (test cells), the gradebook CSV and the per-student feedback pages."""
