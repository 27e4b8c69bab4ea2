"""The runtime every Tessera service imports: configuration from the environment
(`env`, `django_defaults`, `secrets`), the ASGI base app and server (`asgi`, `serve`,
`bounded`, `limits`, `coalesce`), logging (`jsonlog`), and the rules services share
(`headers`, `visitor`, `openapi`)."""
