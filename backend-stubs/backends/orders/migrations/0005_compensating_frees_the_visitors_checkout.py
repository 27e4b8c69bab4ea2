"""A compensating saga no longer holds the visitor's one checkout: it will not be placed
(its shopper is told so at once), and undoing it may wait long for a participant that is
down, during which the shopper could not order again."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_take_from_the_cart_before_the_pivot"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="saga",
            name="one_unfinished_saga_per_visitor",
        ),
        migrations.AddConstraint(
            model_name="saga",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["running"])),
                fields=("visitor",),
                name="one_unfinished_saga_per_visitor",
            ),
        ),
    ]
