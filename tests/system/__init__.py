"""The whole service under stress: faults under load, schema fuzzing."""
