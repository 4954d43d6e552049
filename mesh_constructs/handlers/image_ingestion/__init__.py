"""The image-ingestion workload's Lambda handlers (not custom resources): ``upload`` (API Gateway),
``kafka`` (an MSK event source mapping) and ``process`` (SQS batches of S3 notifications).

``common`` holds what the two ingest paths share: the functions' settings from their environment,
the image checks (declared type, size, magic bytes) and the idempotent store of an image and its
metadata. Only boto3 and the standard library here and in ``common``/``upload``/``kafka``;
``process`` also imports Pillow, which its function gets from the layer that ``make install``
builds (build/lambda/pillow). Relative imports, so the folder runs unchanged in Lambda and in tests:
the asset must hold the package folder itself (handler ``<root>.image_ingestion.upload.on_event``).
"""
