"""The Kubernetes manifests: generated from the service table, valid, and complete."""

import kubernetes_validate
import pytest
import yaml
from django.core.exceptions import ValidationError
from registry.validators import validate_instance_url

from tessera.ops.kubernetes import (
    CONFIG,
    CONFIGURATION,
    CONFIGURATION_FILE,
    POD_NETWORK,
    PORTS,
    REGISTRY_ALLOWED_HOSTS,
    configuration,
    manifests,
    render,
)
from tessera.ops.services import SERVICES
from tessera.runtime.env import REPO_ROOT
from tessera.runtime.secrets import SECRET_NAMES

KUBERNETES = "1.30.0"
GENERATED = dict(manifests())


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_manifests_are_the_generated_ones(name):
    committed = REPO_ROOT / "deploy" / "k8s" / name
    assert committed.read_text() == render(GENERATED[name]), (
        "deploy/k8s/ is out of date: run `python manage.py k8s`"
    )


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_every_document_validates_against_the_kubernetes_schema(name):
    for document in yaml.safe_load_all((REPO_ROOT / "deploy" / "k8s" / name).read_text()):
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_a_broken_manifest_is_caught():
    deployment = GENERATED["shell.yaml"][0]
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "three"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def _documents(kind: str) -> dict[str, dict]:
    return {
        d["metadata"]["name"]: d for docs in GENERATED.values() for d in docs if d["kind"] == kind
    }


def test_each_service_has_a_deployment_and_a_service_with_readiness_on_healthz():
    deployments, services = _documents("Deployment"), _documents("Service")
    for service in SERVICES:
        container = deployments[service.name]["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert services[service.name]["spec"]["ports"][0]["port"] == service.port


def test_each_pod_holds_only_the_secrets_its_service_reads_and_serves_https():
    def secrets(service):
        pod = _documents("Deployment")[service]["spec"]["template"]["spec"]
        env = pod["containers"][0]["env"]
        assert "secretRef" not in str(pod["containers"][0].get("envFrom"))  # not the whole set
        return {e["name"] for e in env if "secretKeyRef" in e.get("valueFrom", {})}

    assert secrets("shell") == {
        "TESSERA_SECRET_KEY",
        "TESSERA_CONTEXT_KEY",
        "TESSERA_VISITOR_KEY",
        "TESSERA_REGISTRY_TOKEN",  # it reports its breakers to the registry
        "TESSERA_METRICS_TOKEN",  # every service's /metrics asks for it
    }
    assert "TESSERA_VISITOR_KEY" not in secrets("cart-fragment")  # fragments cannot mint visitors
    assert "TESSERA_REGISTRY_TOKEN" in secrets("cart-fragment")  # they register themselves
    assert secrets("cart") == {
        "TESSERA_SECRET_KEY",
        "TESSERA_STUB_ADMIN_TOKEN",
        "TESSERA_METRICS_TOKEN",
    }
    every = set().union(*(secrets(s.name) for s in SERVICES))
    assert every == {*SECRET_NAMES, "DATABASE_URL"}  # each secret is read somewhere
    config = _documents("ConfigMap")[CONFIG]
    assert config["data"]["TESSERA_HTTPS"] == "1"


def test_shells_scale_out_fragments_drain_and_the_registry_uses_postgresql():
    deployments = _documents("Deployment")
    assert deployments["shell"]["spec"]["replicas"] >= 2
    for service in SERVICES:
        pod = deployments[service.name]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        if service.kind == "fragment":
            assert container["lifecycle"]["preStop"]["exec"]["command"][:3] == [
                "python", "-m", "tessera.runtime.prestop"
            ]  # fmt: skip
            assert {"name": "TESSERA_SELF_URL", "value": "http://$(POD_IP):8080"} in container[
                "env"
            ]
    registry = deployments["registry"]["spec"]["template"]["spec"]
    database = next(e for e in registry["containers"][0]["env"] if e["name"] == "DATABASE_URL")
    assert database["valueFrom"]["secretKeyRef"]["key"] == "REGISTRY_DATABASE_URL"
    assert [c["args"][2] for c in registry["initContainers"]] == ["migrate", "seed"]
    assert "postgres" in _documents("StatefulSet")
    config = _documents("ConfigMap")[CONFIG]
    assert not set(SECRET_NAMES) & set(config["data"])  # secrets only come from the Secret


def test_the_container_build_has_a_target_per_kind_running_that_kinds_app():
    containerfile = (REPO_ROOT / "deploy" / "Containerfile").read_text()
    targets = {
        line.split(" AS ")[1].strip()
        for line in containerfile.splitlines()
        if line.startswith("FROM base AS ")
    }
    assert targets == {s.kind for s in SERVICES}
    for service in SERVICES:
        assert f'"{service.asgi}"' in containerfile  # its CMD serves this kind's app
    images = {
        d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in _documents("Deployment").values()
    }
    assert images == {f"tessera/{kind}:latest" for kind in targets}


def test_prestop_asks_the_server_to_drain_and_waits_for_it(monkeypatch):
    import signal

    from tessera.runtime import prestop

    calls = []
    monkeypatch.setattr(prestop.os, "kill", lambda pid, sig: calls.append(("kill", pid, sig)))
    monkeypatch.setattr(prestop.time, "sleep", lambda seconds: calls.append(("sleep", seconds)))
    prestop.main(["2"])
    assert calls == [("kill", 1, signal.SIGTERM), ("sleep", 2.5)]


def _container(name: str) -> dict:
    return _documents("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]


def test_only_fragment_pods_listen_on_the_port_the_registry_accepts_instances_on():
    registry = _container("registry")
    allowed = next(e for e in registry["env"] if e["name"] == "TESSERA_REGISTRY_ALLOWED_HOSTS")
    assert allowed["value"] == f"{POD_NETWORK}:{PORTS['fragment']}"
    for service in SERVICES:
        container = _container(service.name)
        port = container["ports"][0]["containerPort"]
        assert (port == PORTS["fragment"]) == (service.kind == "fragment")
        assert container["args"][container["args"].index("--port") + 1] == str(port)
        assert container["readinessProbe"]["httpGet"]["port"] == port
        assert container["livenessProbe"]["httpGet"]["port"] == port


def test_the_registry_in_the_cluster_takes_fragment_pods_and_nothing_else():
    allowed = [REGISTRY_ALLOWED_HOSTS]
    pod = "http://10.42.0.7"
    assert validate_instance_url(f"{pod}:{PORTS['fragment']}", allowed, ())
    for kind in ("backend", "registry", "shell"):
        with pytest.raises(ValidationError, match=f"port {PORTS[kind]} of '10.42.0.7'"):
            validate_instance_url(f"{pod}:{PORTS[kind]}", allowed, ())
    for service in SERVICES:  # a Service's cluster address, on its own port
        if service.kind != "fragment":
            with pytest.raises(ValidationError):
                validate_instance_url(f"http://10.96.0.10:{service.port}", allowed, ())


def test_each_image_listens_where_its_pods_do():
    containerfile = (REPO_ROOT / "deploy" / "Containerfile").read_text()
    for kind, port in PORTS.items():
        target = containerfile.split(f"FROM base AS {kind}\n")[1].split("FROM base AS")[0]
        assert f"EXPOSE {port}\n" in target
        assert f'"--port", "{port}"]' in target


def test_a_job_applies_the_committed_configuration_from_a_configmap_once_per_version(
    monkeypatch, tmp_path
):
    config_map, job = configuration()
    assert config_map["data"] == {"storefront.yaml": CONFIGURATION_FILE.read_text()}
    pod = job["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if "configMap" in v]
    assert volume["configMap"]["name"] == config_map["metadata"]["name"] == CONFIGURATION
    (apply,) = pod["containers"]
    assert apply["args"] == [
        "python", "manage.py", "registry", "apply", "/etc/tessera/registry/storefront.yaml"
    ]  # fmt: skip
    assert {"name": "configuration", "mountPath": "/etc/tessera/registry", "readOnly": True} in (
        apply["volumeMounts"]
    )
    # It waits for the registry's migrations, and holds only the secrets its settings read.
    assert "migrate --check" in pod["initContainers"][0]["args"][-1]
    secrets = {e["name"] for e in apply["env"] if "valueFrom" in e}
    assert secrets == {"TESSERA_SECRET_KEY", "TESSERA_REGISTRY_TOKEN", "DATABASE_URL"}
    # A Job cannot change: another version of the file is another Job.
    changed = tmp_path / "storefront.yaml"
    changed.write_text(CONFIGURATION_FILE.read_text() + "# edited\n")
    monkeypatch.setattr("tessera.ops.kubernetes.CONFIGURATION_FILE", changed)
    assert configuration()[1]["metadata"]["name"] != job["metadata"]["name"]
    assert job["metadata"]["name"].startswith(f"{CONFIGURATION}-")


def test_in_the_cluster_the_registry_seeds_only_its_admin_the_job_the_configuration():
    registry = _documents("Deployment")["registry"]["spec"]["template"]["spec"]
    seed = next(c for c in registry["initContainers"] if c["name"] == "seed")
    assert seed["args"] == ["python", "manage.py", "seed", "--admin-only"]
    backend = _documents("Deployment")["catalog"]["spec"]["template"]["spec"]
    assert next(c for c in backend["initContainers"] if c["name"] == "seed")["args"] == [
        "python", "manage.py", "seed"
    ]  # fmt: skip


def test_the_backends_a_checkout_saga_cannot_lose_keep_their_data_on_a_volume_claim():
    from tessera.ops.kubernetes import PERSISTENT

    assert set(PERSISTENT) == {"orders", "payments", "inventory", "cart"}
    deployments, claims = _documents("Deployment"), _documents("PersistentVolumeClaim")
    for service in SERVICES:
        spec = deployments[service.name]["spec"]
        (volume,) = spec["template"]["spec"]["volumes"]
        if service.name in PERSISTENT:
            # SQLite on a ReadWriteOnce volume: one pod at a time, the old one gone first.
            claim_name = f"{service.name}-data"
            assert volume == {"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}
            assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
            claim = claims[f"{service.name}-data"]
            assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
            assert claim in GENERATED[f"{service.name}.yaml"]
            for pod in (deployments[service.name], claim):
                assert (
                    "PostgreSQL (DATABASE_URL)"
                    in pod["metadata"]["annotations"]["kubernetes.io/description"]
                )
        else:
            assert volume == {"name": "data", "emptyDir": {}}
            assert spec["strategy"]["type"] == "RollingUpdate"
    assert set(claims) == {f"{name}-data" for name in PERSISTENT}
