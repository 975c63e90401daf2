"""An index of the structured courses by clinic and start date (a partial index: one course in
seven has a course type). The worklist and the coding development's recount read only those;
through the whole-clinic index they visited every course of the clinic's months."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0007_outcome_records"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="episode",
            index=models.Index(
                condition=models.Q(("course_type", ""), _negated=True),
                fields=["clinic", "project", "start_date"],
                name="structured_episode_period",
            ),
        ),
    ]
