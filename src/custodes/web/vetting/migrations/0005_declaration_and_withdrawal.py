"""Declarations (0003) and withdrawal and transferees (0004), made side by side: one history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0003_declaration"),
        ("vetting", "0004_withdrawal_transfer"),
    ]

    operations = []
