"""Reading a `/metrics` answer in tests."""


def samples(text: str) -> dict[str, float]:
    """Every sample of a Prometheus text exposition, keyed as written: `name{a="1",b="2"}`
    (labels sorted by name, as prometheus-client writes them)."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found
