"""One module per exercise: metadata, hidden inputs, probe and reference. See autograder/catalog.py."""
