"""Settings of the fragment registry service (admin UI + API, its own database)."""

from registry.addresses import parse_rules
from registry.components import ADMIN_SECURITY, APPS, MIDDLEWARE
from tessera.runtime.django_defaults import ADMIN_TEMPLATES, service_settings
from tessera.runtime.env import env_float, env_list, env_str, static_root
from tessera.runtime.secrets import secret

globals().update(
    service_settings(
        "registry",
        installed_apps=APPS,
        root_urlconf="registry.urls",
        middleware=MIDDLEWARE,
    )
)
globals().update(ADMIN_SECURITY)

TEMPLATES = ADMIN_TEMPLATES
STATIC_URL = "/static/"
STATIC_ROOT = static_root("registry")

#: Bearer token that fragment services present to register, heartbeat and deregister.
REGISTRY_TOKEN = secret("TESSERA_REGISTRY_TOKEN")
#: Hosts, networks and ports a registered instance URL may point at (SSRF allowlist; an
#: entry without ports allows 80, 443 and 1024-65535, see registry.addresses).
REGISTRY_ALLOWED_HOSTS = env_list("TESSERA_REGISTRY_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
#: ...and those it may never point at, even when allowed: `up` lists the stack's registry,
#: shell and backend stubs here.
REGISTRY_DENIED = env_list("TESSERA_REGISTRY_DENIED", [])
# A malformed entry stops the registry here, with the entry and what is wrong with it.
parse_rules(tuple(REGISTRY_ALLOWED_HOSTS), "TESSERA_REGISTRY_ALLOWED_HOSTS", denied=False)
parse_rules(tuple(REGISTRY_DENIED), "TESSERA_REGISTRY_DENIED", denied=True)
#: An instance whose last heartbeat is older than this many seconds receives no traffic.
REGISTRY_HEARTBEAT_TTL = env_float("TESSERA_REGISTRY_HEARTBEAT_TTL", 15.0)
#: Where the shell is, for previews of fragments in the admin.
SHELL_URL = env_str("TESSERA_SHELL_URL", "http://127.0.0.1:8000")
