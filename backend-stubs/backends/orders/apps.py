from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "backends.orders"
    label = "orders"
    verbose_name = "Orders backend"

    async def serving(self) -> None:
        """The service started (backends.kit.asgi): sagas run, and unfinished ones resume."""
        from backends.orders.runner import RUNNER

        RUNNER.start()
