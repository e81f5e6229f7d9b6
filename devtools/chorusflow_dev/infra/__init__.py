"""Infrastructure the reliability suite owns and breaks: its own PostgreSQL and Redis.

See docs/reliability.md §6.
"""
