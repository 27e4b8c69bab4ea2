from django.db import migrations, models


class Migration(migrations.Migration):
    """The catalog in other languages than English (seeded by `seed`, backends/catalog/korean.py)."""

    dependencies = [("catalog", "0002_category_icon")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="product",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
