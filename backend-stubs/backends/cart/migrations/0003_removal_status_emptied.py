"""A removal is the checkout's take of the bought units before its point of no return, and
can be undone: `status` (taken, or returned: put back, or a tombstone of a key never
taken) and `emptied` (when the lines it emptied were added, so that a line put back keeps
its place). Removals made before are takes that stand."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cart", "0002_removal"),
    ]

    operations = [
        migrations.AddField(
            model_name="removal",
            name="status",
            field=models.CharField(
                choices=[("taken", "taken"), ("returned", "returned")],
                default="taken",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="removal",
            name="emptied",
            field=models.JSONField(default=dict),
        ),
    ]
