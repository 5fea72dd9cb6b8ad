// HTTP/2 over TLS on Node's own node:http2 server, wired by hand (serve() with `tls` and `http2: true` does
// the same in one call). Make a certificate, start it, then SIGTERM (or Ctrl-C) while a request is in flight:
//
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem \
//     -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//   node examples/node_http2.ts
//   curl --http2 --cacert cert.pem https://127.0.0.1:8443/slow
//
// When the drain starts every HTTP/2 session gets a GOAWAY; the /slow stream still finishes. Clients that do
// not offer h2 by ALPN get HTTP/1.1 (`allowHTTP1`), drained with `Connection: close` as on node:https.
import { readFileSync } from "node:fs";
import { createSecureServer } from "node:http2";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { serve } from "@hono/node-server";
import { createShutdown } from "../mod.ts";

const shutdown = createShutdown();

const server = serve({
  fetch: shutdown.wrap(async (request: Request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/") return new Response("hello\n");
    if (pathname === "/slow") {
      await sleep(2000); // in flight when SIGTERM arrives: the drain waits for it
      return new Response("slow done\n");
    }
    return new Response("not found\n", { status: 404 });
  }),
  port: Number(process.env.PORT ?? 8443),
  hostname: process.env.HOST ?? "127.0.0.1",
  createServer: createSecureServer,
  serverOptions: {
    allowHTTP1: true,
    cert: readFileSync(process.env.CERT ?? "cert.pem"),
    key: readFileSync(process.env.KEY ?? "key.pem"),
  },
}, ({ address, port }) => console.log(`listening on https://${address}:${port}`));
// attach() recognizes a node:http2 server and drains its sessions with GOAWAY.
shutdown.attach(server);
