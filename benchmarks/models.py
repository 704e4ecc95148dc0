"""The table the write floor inserts into. Created by the benchmark's own set-up
(benchmarks.data.create_bench_tables), not by a migration: it exists only in the
benchmark's databases."""

from django.db import models


class FloorRow(models.Model):
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "bench_floor_row"

    def __str__(self) -> str:
        return f"floor row {self.pk}"
