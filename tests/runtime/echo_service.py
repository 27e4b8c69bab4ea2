"""A service for tests that run `tessera.runtime.serve`: it answers each request with what
it saw."""

from tessera.runtime.asgi import Receive, Scope, Send, ServiceApp, send_response


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the whole body, then answer `METHOD PATH headers=N body=BYTES client=ADDRESS`."""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client is gone
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    client = scope["client"][0] if scope.get("client") else "-"
    headers = len(scope["headers"])
    summary = f"{scope['method']} {scope['path']} headers={headers} body={size} client={client}"
    await send_response(send, 200, summary.encode())


app = ServiceApp(echo, service="echo", trust_request_id=True)  # as a service behind the shell
