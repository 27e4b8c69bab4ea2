"""Tessera's shared code, in two packages.

- `tessera.runtime`: what every service process imports (environment, Django defaults, the
  ASGI base app, the bounded HTTP server, logging, secrets, the visitor token, header rules).
- `tessera.ops`: the operator's tooling (`manage.py up`, `deploy`, `rollback`, `k8s`): the
  service table, the supervisor, the deployer and the Kubernetes manifests. No service
  imports it.
"""
