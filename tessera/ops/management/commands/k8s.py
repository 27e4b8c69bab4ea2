"""`manage.py k8s`: write the Kubernetes manifests (deploy/k8s/) from the service table."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tessera.ops.kubernetes import manifests, render
from tessera.runtime.env import REPO_ROOT


class Command(BaseCommand):
    help = "Regenerate deploy/k8s/ from tessera/ops/services.py (the table `up` runs)."

    def handle(self, *args, **options) -> None:
        out = REPO_ROOT / "deploy" / "k8s"
        out.mkdir(parents=True, exist_ok=True)
        for name, documents in manifests():
            (out / name).write_text(render(documents))
            self.stdout.write(f"wrote deploy/k8s/{name}")
