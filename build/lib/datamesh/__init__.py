"""The management application: services over boto3 DataZone (this package's ``services``) and the
``datamesh`` CLI over them. It reuses the config layer (environments, names) and never the CDK
constructs. The services print nothing and know nothing of the CLI: the REST API reuses them."""
