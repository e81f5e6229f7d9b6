"""What each command does once its arguments are parsed: one module per command, named as it.

The command modules one level up (``chorusflow.cli.validate`` …) declare the arguments and import
their runner only when the command runs, so that ``chorusflow --help`` loads none of these modules'
imports (pandas, pydantic, SQLAlchemy, requests, reportlab, lxml). Here every import is at the top.
"""
