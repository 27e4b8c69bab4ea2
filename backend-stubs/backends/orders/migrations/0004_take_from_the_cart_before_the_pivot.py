"""The bought units are taken from the cart before the point of no return (a step that can
be compensated: they go back), no longer cleared from it after: the steps are now 0 reserve,
1 authorise, 2 create the order, 3 take from the cart, 4 confirm (the pivot), 5 capture
(settling); they were 0-2 the same, 3 confirm (the pivot), 4 clear the cart, 5 capture.

No schema changes; unfinished sagas are put where their work goes on:

- running at 3 or 4 (at the old pivot, or past it clearing the cart): at 4, the pivot, so
  they only go forward (inventory is asked again, answering a confirmed reservation as the
  first time; then the capture). Not at 3: a saga there is compensated if refused or
  interrupted, and theirs may be sold already. The units of these few, sold before the cart
  took part in the sale, stay in the cart for the shopper to remove.
- compensating at 3 (the old pivot refused): unchanged; 3 is now the cart's step, whose
  compensation, of a take that never happened, leaves a tombstone and puts nothing back.
- settling at 5, and everything before 3: unchanged.

Backwards, a saga running at 4 (the pivot) goes back to 3 (the old pivot, then the old
clearing of the cart, answered as done when the new step took the units under its key); one
compensating at 3 is left there, its units taken staying out of the cart.
"""

from django.db import migrations

#: The pivot, before (confirm) and after (confirm, the cart's step now before it).
OLD_PIVOT, NEW_PIVOT = 3, 4


def _at_the_new_pivot(apps, schema_editor):
    Saga = apps.get_model("orders", "Saga")
    Saga.objects.filter(status="running", step__in=[OLD_PIVOT, OLD_PIVOT + 1]).update(
        step=NEW_PIVOT
    )


def _at_the_old_pivot(apps, schema_editor):
    Saga = apps.get_model("orders", "Saga")
    Saga.objects.filter(status="running", step=NEW_PIVOT).update(step=OLD_PIVOT)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_clear_cart_before_capture_settling"),
    ]

    operations = [migrations.RunPython(_at_the_new_pivot, _at_the_old_pivot)]
