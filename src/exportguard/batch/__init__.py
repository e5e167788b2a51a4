"""Batch runners: the same screening function per partition, locally or on Spark."""
