from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "backends.recommendations"
    label = "recommendations"
    verbose_name = "Recommendations backend"
