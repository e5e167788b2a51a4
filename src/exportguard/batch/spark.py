"""Apache Spark runner: the same :func:`screen_partition` over each partition of a customer table.

Import this module only when Spark is wanted (``pip install 'exportguard[spark]'`` and a Java runtime).
The snapshot is broadcast once; each Python worker builds its screener once and keeps it for every
partition it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from exportguard.batch.runner import RECORD_FLOOR, Customer, ScreeningResult, screen_partition
from exportguard.heap import built_frozen
from exportguard.lists.model import ListSnapshot
from exportguard.matching.screener import Screener, with_native_names

RESULT_SCHEMA = StructType([
    StructField(f.name, DoubleType() if f.name == "score" else StringType(), nullable=False)
    for f in fields(ScreeningResult)
])
CUSTOMER_COLUMNS = ("id", "name", "country", "address")
_screeners: dict[str, Screener] = {}


def _screener(snapshot: ListSnapshot) -> Screener:
    """This Python worker's screener for the snapshot, built on first use and frozen out of the garbage
    collector's reach, as the local runner's workers have it (exportguard.heap)."""
    screener = _screeners.get(snapshot.version.id)
    if screener is None:
        screener = _screeners[snapshot.version.id] = built_frozen(lambda: with_native_names(snapshot))
    return screener


def _partition_screener(broadcast: Any, threshold: float) -> Callable[[Iterable[Any]], Iterator[tuple[Any, ...]]]:
    def screen(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        screener = _screener(broadcast.value)
        customers = [Customer(str(key), name, country or None, address or None) for key, name, country, address in rows]
        yield from (result.row() for result in screen_partition(screener, customers, threshold))

    return screen


@dataclass
class SparkRunner:
    """Screens customer tables on a Spark cluster (or ``local[*]``)."""

    spark: SparkSession
    threshold: float = RECORD_FLOOR

    def screen_frame(self, snapshot: ListSnapshot, customers: DataFrame) -> DataFrame:
        """Result rows for a DataFrame with ``id`` and ``name`` (``country``, ``address`` optional)."""
        for column in ("country", "address"):
            if column not in customers.columns:
                customers = customers.withColumn(column, customers["name"].substr(0, 0))
        broadcast = self.spark.sparkContext.broadcast(snapshot)
        rows = customers.select(*CUSTOMER_COLUMNS).rdd.mapPartitions(_partition_screener(broadcast, self.threshold))
        return self.spark.createDataFrame(rows, RESULT_SCHEMA)

    def screen_file(self, snapshot: ListSnapshot, source: str, target: str) -> None:
        """Screen a Parquet or headed CSV file of customers and write the results as Parquet."""
        reader = self.spark.read
        frame = reader.parquet(source) if source.endswith(".parquet") else reader.option("header", True).csv(source)
        self.screen_frame(snapshot, frame).write.mode("overwrite").parquet(target)

    def run(self, snapshot: ListSnapshot, customers: Iterable[Customer],
            progress: Callable[[int], None] | None = None) -> Iterator[list[ScreeningResult]]:
        """The :class:`Runner` interface: results collected to the driver in one batch."""
        rows = [(c.id, c.name, c.country or "", c.address or "") for c in customers]
        frame = self.spark.createDataFrame(rows, list(CUSTOMER_COLUMNS))
        results = [ScreeningResult(*row) for row in self.screen_frame(snapshot, frame).collect()]
        if progress:
            progress(len(rows))
        yield results
