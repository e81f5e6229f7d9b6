"""What a run tells people: the run report (HTML, CSV) and the run notes."""
