"""The submit step, platform-neutral: intake of validated exports, claim, attempt, reconcile, record."""
