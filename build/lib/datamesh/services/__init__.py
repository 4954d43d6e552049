"""Business services over boto3 DataZone: typed results, no printing, every list paginated."""
