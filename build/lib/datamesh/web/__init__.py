"""The management REST API and web console (`datamesh serve`): the same services as the CLI."""
