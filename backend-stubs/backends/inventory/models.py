from django.db import models


class Stock(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    quantity = models.PositiveIntegerField()
