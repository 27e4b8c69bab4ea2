"""The cart is cleared before the payment is captured, and a saga with only the capture
left is `settling`: it no longer holds the visitor's one checkout.

The unique index is not changed: it names the statuses of a checkout under way (running,
compensating), which `settling` is not. A saga left running past the pivot by the earlier
order of steps (4: capture, 5: clear the cart) is put at the cart step (now 4): both steps
are idempotent under the saga's key, so whichever of them it had done is done again as the
first time (the cart removes nothing twice, payments answers a capture with the capture).
"""

from django.db import migrations, models

#: Where the steps past the pivot start, in both orders.
PAST_PIVOT = 4


def _from_the_cart_step(apps, schema_editor):
    Saga = apps.get_model("orders", "Saga")
    Saga.objects.filter(status__in=["running", "settling"], step__gte=PAST_PIVOT).update(
        status="running", step=PAST_PIVOT
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_payment_retries_one_checkout"),
    ]

    operations = [
        migrations.AlterField(
            model_name="saga",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "running"),
                    ("compensating", "compensating"),
                    ("settling", "settling"),
                    ("completed", "completed"),
                    ("failed", "failed"),
                ],
                db_index=True,
                default="running",
                max_length=16,
            ),
        ),
        # Backwards too: a settling saga is put back running at step 4 (then the capture,
        # then the cart, each answered as the first time).
        migrations.RunPython(_from_the_cart_step, _from_the_cart_step),
    ]
