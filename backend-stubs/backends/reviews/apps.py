from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "backends.reviews"
    label = "reviews"
    verbose_name = "Reviews backend"
