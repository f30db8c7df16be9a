"""Professional disagreements raised about a threshold decision after it was made."""
