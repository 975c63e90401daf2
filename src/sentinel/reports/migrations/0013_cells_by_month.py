"""The clinics' development and outcome cells by project and month: the benchmark refresh sums
the months the day's journal names over every clinic (``reports.sql.sum_scopes``), which read
all of a project's cells without it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0012_forlobsresultater_same_instrument_and_walk_mic"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="developmentcell",
            index=models.Index(fields=["project", "month"], name="development_cell_month"),
        ),
        migrations.AddIndex(
            model_name="outcomecell",
            index=models.Index(fields=["project", "month"], name="outcome_cell_month"),
        ),
    ]
