"""Persian text cleaning with offsets back to the raw input."""
