"""What the grader writes for its readers: feedback pages and the terminal table
(feedback.py), the gradebook (gradebook.py), the output folder's atomic,
link-safe files (output_folder.py) and one sanitiser per output type
(sanitise.py). Used by submissions/, report/, platforms/ and commands/; it
imports none of them."""
