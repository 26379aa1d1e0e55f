"""What students and the nbgrader course get, generated from solutions/."""
