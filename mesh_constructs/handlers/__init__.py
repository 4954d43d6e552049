"""Custom-resource handlers of the mesh: the whole Lambda asset (this folder, nothing else).

Each module is one handler behind ``custom_resources.Provider``; ``support`` holds the pattern
they share (bounded retries, paginated search, domain-gone detection). Only boto3 and the
standard library, and relative imports, so the folder runs unchanged in Lambda and in tests.
"""
