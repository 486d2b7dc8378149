"""District operators' imports: upload, the dry run's report, apply, the job's progress."""
