"""Kubernetes manifests for the stack, generated from the same service table as `up`.

`python manage.py k8s` writes them to `deploy/k8s/`; a test checks that the committed files
are what this module generates and that they validate against the Kubernetes schemas. One
Deployment and Service per service; the registry on PostgreSQL (`DATABASE_URL` from the
secret), several stateless shell replicas, readiness and liveness on `/healthz`, fragments
that drain on preStop (deregister first, see tessera.runtime.prestop), preparation
commands (migrate, seed) as init containers; the backends a checkout saga cannot lose
(`PERSISTENT`) keep their SQLite on a PersistentVolumeClaim, one replica, `Recreate`.
Images come from `deploy/Containerfile`, one target per kind. The storefront's
configuration (`deploy/registry/storefront.yaml`) is held in a ConfigMap and applied to the
registry by a Job (`registry apply`) once per version of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from tessera.ops.services import COLLECTSTATIC, SEED, SERVICES, Kind, Service
from tessera.runtime.env import REPO_ROOT

NAMESPACE = "tessera"
SECRET_NAME = "tessera-secrets"  # noqa: S105 - a name; the operator creates it (deploy/README.md)
CONFIG = "tessera-services"
#: The port each kind's containers listen on (Services map their own port to it). Fragment
#: pods have one to themselves, so the registry's allowlist admits the pod network on that
#: port only: no registry, shell or backend stub pod can be registered as a fragment.
PORTS: dict[Kind, int] = {"fragment": 8080, "shell": 8081, "registry": 8082, "backend": 8083}
#: The registry runs one replica: its init container migrates PostgreSQL, which two
#: replicas starting together must not do at once.
REPLICAS = {"shell": 3, "fragment": 2, "backend": 1, "registry": 1}
#: Containers listen on every interface of their pod (the pod network is the boundary).
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
#: Pod addresses fragments register with (the registry's SSRF allowlist accepts networks).
POD_NETWORK = "10.0.0.0/8"
#: What a fragment instance may be: a pod, on the fragments' port.
REGISTRY_ALLOWED_HOSTS = f"{POD_NETWORK}:{PORTS['fragment']}"
DRAIN_SECONDS = 2
#: Runtime state (SQLite of the stubs, the shell's snapshot copy): a volume shared by the
#: init containers (migrate, seed) and the service. Static files are in the image.
DATA_DIR = "/app/data"
#: Backends whose database a checkout saga cannot lose: the saga's own rows and the orders
#: (orders: a saga whose state is gone can neither be finished nor compensated), the money
#: held and captured (payments), stock and reservations (inventory), and what orders took
#: out of carts, by saga key (cart: a retried removal must find it). Their data volume is a
#: PersistentVolumeClaim instead of an emptyDir, so it outlives the pod. The database is
#: SQLite on a ReadWriteOnce volume, which cannot be shared: one replica, and the `Recreate`
#: strategy (a rolling update would start the new pod while the old one still holds the
#: volume and the database). To scale one out, point it at PostgreSQL with `DATABASE_URL`
#: (tessera/runtime/django_defaults.py reads it for every service) and drop the volume;
#: orders would also need its sweep to claim sagas (each replica sweeps, and two must not
#: run one saga) before it runs more than one replica.
PERSISTENT = ("orders", "payments", "inventory", "cart")
PERSISTENT_SIZE = "1Gi"
PERSISTENT_NOTE = (
    "One replica, Recreate: SQLite on a ReadWriteOnce volume cannot be shared. To scale, "
    "use PostgreSQL (DATABASE_URL)."
)
#: The registry's configuration as code: the file in git, the ConfigMap holding it, where the
#: Job applying it mounts it. In the cluster the configuration is this ConfigMap's alone:
#: the registry's seed makes only the admin account (`SEED_IN_CLUSTER`).
CONFIGURATION_FILE = REPO_ROOT / "deploy" / "registry" / "storefront.yaml"
CONFIGURATION = "registry-configuration"
CONFIGURATION_MOUNT = "/etc/tessera/registry"
SEED_IN_CLUSTER = (*SEED, "--admin-only")
#: What the Job reads of the secret: the registry's settings' keys and its database.
CONFIGURATION_SECRETS = frozenset({"TESSERA_SECRET_KEY", "TESSERA_REGISTRY_TOKEN", "DATABASE_URL"})


def _labels(service: Service) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": service.name,
        "app.kubernetes.io/component": service.kind,
        "app.kubernetes.io/part-of": "tessera",
    }


def _meta(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": NAMESPACE}
    if labels:
        meta["labels"] = labels
    return meta


def _probe(port: int, period: int = 5) -> dict[str, Any]:
    return {"httpGet": {"path": "/healthz", "port": port}, "periodSeconds": period,
            "timeoutSeconds": 2}  # fmt: skip


#: The secrets each kind of service reads, and no others: a fragment pod never holds the key
#: that signs visitor cookies, nor a backend the registry token.
SECRETS: dict[str, tuple[str, ...]] = {
    "shell": (
        "TESSERA_SECRET_KEY",
        "TESSERA_CONTEXT_KEY",
        "TESSERA_VISITOR_KEY",
        "TESSERA_REGISTRY_TOKEN",  # to report its breakers
        "TESSERA_METRICS_TOKEN",
    ),
    "registry": (
        "TESSERA_SECRET_KEY",
        "TESSERA_REGISTRY_TOKEN",
        "TESSERA_ADMIN_PASSWORD",
        "TESSERA_METRICS_TOKEN",
    ),
    "fragment": (
        "TESSERA_SECRET_KEY",
        "TESSERA_REGISTRY_TOKEN",
        "TESSERA_CONTEXT_KEY",
        "TESSERA_METRICS_TOKEN",
    ),
    "backend": ("TESSERA_SECRET_KEY", "TESSERA_STUB_ADMIN_TOKEN", "TESSERA_METRICS_TOKEN"),
}


def _secret(name: str, key: str | None = None) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": key or name}}}


def _env(service: Service) -> list[dict[str, Any]]:
    env = [{"name": k, "value": v} for k, v in sorted(service.env.items())]
    env += [_secret(name) for name in SECRETS[service.kind]]
    env.append({"name": "DJANGO_SETTINGS_MODULE", "value": service.settings})
    env.append({"name": "TESSERA_SERVICE", "value": service.name})
    if service.kind == "fragment":
        # Each pod registers itself, by its own address.
        env.append({"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}})
        env.append({"name": "TESSERA_SELF_URL", "value": f"http://$(POD_IP):{PORTS['fragment']}"})
    if service.kind == "registry":
        env.append({"name": "TESSERA_REGISTRY_ALLOWED_HOSTS", "value": REGISTRY_ALLOWED_HOSTS})
        # Only the registry uses PostgreSQL; the backend stubs keep their own SQLite.
        env.append(_secret("DATABASE_URL", "REGISTRY_DATABASE_URL"))
    return env


def _image(service: Service) -> str:
    return f"tessera/{service.kind}:latest"


def deployment(service: Service) -> dict[str, Any]:
    labels = _labels(service)
    port = PORTS[service.kind]
    container: dict[str, Any] = {
        "name": service.name,
        "image": _image(service),
        "args": ["python", "-m", "tessera.runtime.serve", service.asgi, "--host", ALL_INTERFACES,
                 "--port", str(port), "--drain", str(DRAIN_SECONDS)],
        "ports": [{"name": "http", "containerPort": port}],
        "env": _env(service),
        "envFrom": [{"configMapRef": {"name": CONFIG}}],
        "readinessProbe": _probe(port),
        "livenessProbe": {**_probe(port, period=10), "failureThreshold": 3},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"memory": "512Mi"}},
        "volumeMounts": [{"name": "data", "mountPath": DATA_DIR}],
    }  # fmt: skip
    if service.workers_variable:
        # One process per pod unless set otherwise: Kubernetes scales the shell by replicas,
        # and `auto` would count the node's cores, not the pod's CPU. More workers want a CPU
        # request to match.
        container["env"].append({"name": service.workers_variable, "value": "1"})
        container["args"] += ["--workers", f"$({service.workers_variable})"]
    if service.kind == "fragment":
        prestop = ["python", "-m", "tessera.runtime.prestop", str(DRAIN_SECONDS)]
        container["lifecycle"] = {"preStop": {"exec": {"command": prestop}}}
    init = [
        {
            "name": f"{command[0]}",
            "image": _image(service),
            "args": ["python", "manage.py", *_in_cluster(service, command)],
            "env": container["env"],
            "envFrom": container["envFrom"],
            "volumeMounts": container["volumeMounts"],
        }
        for command in service.prepare
        if command != COLLECTSTATIC  # done when the image is built
    ]
    persistent = service.name in PERSISTENT
    data = ({"persistentVolumeClaim": {"claimName": _claim(service)}} if persistent
            else {"emptyDir": {}})  # fmt: skip
    spec: dict[str, Any] = {
        "terminationGracePeriodSeconds": 30,
        "containers": [container],
        "volumes": [{"name": "data", **data}],
    }
    if init:
        spec["initContainers"] = init
    metadata = _meta(service.name, labels)
    if persistent:
        metadata["annotations"] = {"kubernetes.io/description": PERSISTENT_NOTE}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1 if persistent else REPLICAS[service.kind],
            "selector": {"matchLabels": {"app.kubernetes.io/name": service.name}},
            "strategy": ({"type": "Recreate"} if persistent else
                         {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}),
            "template": {"metadata": {"labels": labels}, "spec": spec},
        },
    }  # fmt: skip


def _claim(service: Service) -> str:
    return f"{service.name}-data"


def volume_claim(service: Service) -> dict[str, Any]:
    """The PersistentVolumeClaim holding a `PERSISTENT` backend's database."""
    metadata = _meta(_claim(service), _labels(service))
    metadata["annotations"] = {"kubernetes.io/description": PERSISTENT_NOTE}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": {"accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": PERSISTENT_SIZE}}},
    }  # fmt: skip


def _in_cluster(service: Service, command: tuple[str, ...]) -> tuple[str, ...]:
    """A preparation command as a pod runs it: the registry seeds only its admin account."""
    return SEED_IN_CLUSTER if service.kind == "registry" and command == SEED else command


def configuration() -> list[dict[str, Any]]:
    """The registry's configuration in a ConfigMap, and a Job applying it (`registry apply`,
    without --prune: what operators add in the admin stays until the file says otherwise).

    The Job is named by the file's hash: a Job cannot be changed once created, so a new
    version of the file is a new Job, run once, while `kubectl apply` leaves the finished Job
    of an unchanged file alone. Its init container waits until the registry's own init
    container has migrated the database.
    """
    text = CONFIGURATION_FILE.read_text(encoding="utf-8")
    name = f"{CONFIGURATION}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
    registry = next(s for s in SERVICES if s.kind == "registry")
    labels = {"app.kubernetes.io/name": CONFIGURATION, "app.kubernetes.io/component": "registry",
              "app.kubernetes.io/part-of": "tessera"}  # fmt: skip
    path = f"{CONFIGURATION_MOUNT}/{CONFIGURATION_FILE.name}"
    pod = {
        "image": _image(registry),
        "env": [e for e in _env(registry)
                if "valueFrom" not in e or e["name"] in CONFIGURATION_SECRETS],
        "envFrom": [{"configMapRef": {"name": CONFIG}}],
        "volumeMounts": [{"name": "data", "mountPath": DATA_DIR},
                         {"name": "configuration", "mountPath": CONFIGURATION_MOUNT,
                          "readOnly": True}],
    }  # fmt: skip
    wait = "until python manage.py migrate --check -v 0; do sleep 2; done"
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(CONFIGURATION, labels),
         "data": {CONFIGURATION_FILE.name: text}},
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _meta(name, labels),
            "spec": {
                "backoffLimit": 3,
                "activeDeadlineSeconds": 900,
                "template": {"metadata": {"labels": labels}, "spec": {
                    "restartPolicy": "Never",
                    "initContainers": [{"name": "wait-for-migrations", **pod,
                                        "args": ["sh", "-c", wait]}],
                    "containers": [{"name": "apply", **pod,
                                    "args": ["python", "manage.py", "registry", "apply", path]}],
                    "volumes": [{"name": "data", "emptyDir": {}},
                                {"name": "configuration",
                                 "configMap": {"name": CONFIGURATION}}],
                }},
            },
        },
    ]  # fmt: skip


def service_manifest(service: Service) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(service.name, _labels(service)),
        "spec": {
            "selector": {"app.kubernetes.io/name": service.name},
            "ports": [{"name": "http", "port": service.port, "targetPort": "http"}],
        },
    }


def shared() -> list[dict[str, Any]]:
    """The namespace, the services' addresses, and PostgreSQL for the registry."""
    addresses = {
        s.url_variable: f"http://{s.name}.{NAMESPACE}.svc.cluster.local:{s.port}" for s in SERVICES
    }
    postgres_labels = {"app.kubernetes.io/name": "postgres", "app.kubernetes.io/part-of": "tessera"}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(CONFIG),
         # Served over HTTPS by the cluster's ingress: Secure cookies and HSTS.
         # The client's address comes from the ingress (X-Forwarded-For), in the pod network.
         "data": {**addresses, "TESSERA_DATA_DIR": DATA_DIR, "TESSERA_HTTPS": "1",
                  "TESSERA_TRUSTED_PROXIES": POD_NETWORK}},
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": _meta("postgres", postgres_labels),
            "spec": {
                "serviceName": "postgres",
                "replicas": 1,
                "selector": {"matchLabels": {"app.kubernetes.io/name": "postgres"}},
                "template": {
                    "metadata": {"labels": postgres_labels},
                    "spec": {"containers": [{
                        "name": "postgres",
                        "image": "postgres:16",
                        "ports": [{"name": "postgres", "containerPort": 5432}],
                        "env": [
                            {"name": "POSTGRES_DB", "value": "registry"},
                            {"name": "POSTGRES_USER", "value": "registry"},
                            {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {
                                "name": SECRET_NAME, "key": "POSTGRES_PASSWORD"}}},
                            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                        ],
                        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "registry"]},
                                           "periodSeconds": 5},
                        "volumeMounts": [{"name": "pgdata",
                                          "mountPath": "/var/lib/postgresql/data"}],
                    }]},
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "pgdata"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "1Gi"}}},
                }],
            },
        },
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta("postgres", postgres_labels),
         "spec": {"selector": {"app.kubernetes.io/name": "postgres"},
                  "ports": [{"name": "postgres", "port": 5432, "targetPort": "postgres"}]}},
    ]  # fmt: skip


def manifests() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(file name, documents) for every file of deploy/k8s/."""
    yield "00-shared.yaml", shared()
    for service in SERVICES:
        documents = [deployment(service), service_manifest(service)]
        if service.name in PERSISTENT:
            documents.append(volume_claim(service))
        yield f"{service.name}.yaml", documents
    yield f"{CONFIGURATION}.yaml", configuration()


def render(documents: list[dict[str, Any]]) -> str:
    """The documents as one YAML file, written out in full (no anchors and aliases)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

        def represent_str(self, data: str) -> yaml.ScalarNode:
            # A file in a ConfigMap stays readable: a text of several lines as a block.
            style = "|" if "\n" in data else None
            return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, Dumper.represent_str)

    header = "# Generated by `python manage.py k8s` from tessera/ops/services.py; do not edit.\n"
    return header + "---\n".join(
        yaml.dump(d, Dumper=Dumper, sort_keys=False, allow_unicode=True) for d in documents
    )
