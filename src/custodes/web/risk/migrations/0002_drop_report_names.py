"""Drop which officers a run's report names (RiskEntry.in_report, RiskRun.named_in_report).

They decided who might read a report that named officers; the web app keeps only a summary
that names no one, served to everyone who uses the list, so nothing reads them any more.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="riskentry",
            name="in_report",
        ),
        migrations.RemoveField(
            model_name="riskrun",
            name="named_in_report",
        ),
    ]
