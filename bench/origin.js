// A fast fragment origin for the benchmark: not Python, so it is never the bottleneck.
// GET /<name>?size=BYTES&delay=MS answers an HTML fragment of exactly BYTES bytes after MS
// milliseconds, with a Link header for one stylesheet, over keep-alive HTTP/1.1; with
// cache=SECONDS it is cacheable by a shared cache for that long.
"use strict";
const http = require("node:http");

const port = Number(process.argv[2] || 9300);
const bodies = new Map();

function body(name, size) {
  const key = `${name}:${size}`;
  let cached = bodies.get(key);
  if (!cached) {
    const open = `<section class="${name}"><h2>${name}</h2><p>`;
    const close = "</p></section>";
    const filler = "lorem ipsum dolor sit amet ".repeat(Math.ceil(size / 27));
    cached = Buffer.from(open + filler.slice(0, Math.max(0, size - open.length - close.length)) + close);
    bodies.set(key, cached);
  }
  return cached;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://origin");
  const name = url.pathname.slice(1) || "fragment";
  const payload = body(name, Number(url.searchParams.get("size") || 4000));
  const send = () => {
    const headers = {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Length": payload.length,
      "Link": `</assets/${name}.css>; rel="stylesheet"`,
    };
    const cache = url.searchParams.get("cache");
    if (cache) headers["Cache-Control"] = `public, max-age=${Number(cache)}`;
    res.writeHead(200, headers);
    res.end(payload);
  };
  const delay = Number(url.searchParams.get("delay") || 0);
  if (delay > 0) setTimeout(send, delay);
  else send();
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => console.log(`origin listening on ${port}`));
