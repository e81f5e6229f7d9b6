"""Plumbing shared by the local platforms (the Chorus Pro sandbox and the PA sandbox).

``http``: the threaded HTTP server, its request handler (logging, drops, 500s) and its lifecycle;
``state_file``: atomic, coalesced writes of a state file; ``json_schema``: request validation with
``jsonschema``; ``cli``: serve until Ctrl-C or SIGTERM after printing the connection. Each sandbox
keeps its own platform logic: what it answers, its faults' shapes, its state's content.
"""
