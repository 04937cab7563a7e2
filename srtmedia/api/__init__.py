"""The HTTP layer: blueprints, request and response schemas, problem details, uploads.

It may import the task layer (``srtmedia.tasks``) and the pipeline; neither
imports it.
"""
