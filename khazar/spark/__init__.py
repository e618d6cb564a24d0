"""khazar at scale: the same `process()` on Apache Spark (job.py), Parquet layout (schema.py), readers
for bytes from any Hadoop filesystem (readers.py), and loading Spark output into a store (load.py).

pyspark is optional (`pip install khazar[spark]`); nothing here imports it until a Spark job runs.
"""
