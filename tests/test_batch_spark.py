"""The Spark runner in local mode returns exactly what the local runner returns on the same customers."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from exportguard.batch.runner import Customer, LocalRunner
from exportguard.lists import ofac_sdn
from exportguard.matching.gazetteer import native_names_for


@pytest.mark.slow
def test_spark_results_equal_local_results(fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyspark = pytest.importorskip("pyspark")
    from exportguard.batch.spark import SparkRunner

    snapshot = ofac_sdn.load(fixtures / "ofac_sdn_2021-07")
    # The two entries the gazetteer gives a Chinese-script name: both runners must index it, as the API does.
    natives = [names[0] for names in native_names_for(snapshot).values()]
    names = [party.name for party in snapshot.parties[::300]] + ["Volvo Cars AB", "Banco Nacional Cuba", *natives]
    customers = [Customer(f"C{number}", name, "CU" if number % 3 == 0 else None) for number, name in enumerate(names)]
    # Customers the screener refuses: each gets the result saying why, on Spark as locally.
    customers += [Customer("R-1", "Banco Nacional de Cuba", "USA"), Customer("R-2", "Banco " * 90)]
    source = tmp_path / "customers.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "country"])
        writer.writerows((c.id, c.name, c.country or "") for c in customers)
    local = {(r.customer_id, r.entry_key, r.score, r.features) for rows in LocalRunner(processes=1).run(snapshot, customers)
             for r in rows}
    # Workers must run this interpreter (the one with exportguard installed), not the system python3.
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    spark = pyspark.sql.SparkSession.builder.master("local[2]").appName("exportguard-test").getOrCreate()
    try:
        SparkRunner(spark).screen_file(snapshot, str(source), str(tmp_path / "results"))
        written = spark.read.parquet(str(tmp_path / "results")).collect()
    finally:
        spark.stop()
    assert local and {(row["customer_id"], row["entry_key"], row["score"], row["features"]) for row in written} == local
    assert {key for _customer, key, _score, _features in local} >= {"SDN:16319", "SDN:29299"}
    assert {customer for customer, key, _score, _features in local if key == ""} == {"R-1", "R-2"}
