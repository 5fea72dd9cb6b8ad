// systemd's side of sd_notify, for the tests: a unix datagram socket bound at the path given, printing each
// message it receives as one JSON line ({ "message": "READY=1\nSTATUS=serving", "at": <ms since start> }).
// Deno, because it can bind a unix datagram socket (behind --unstable-net) and npm installs it for the
// tests; Node cannot.   deno run --unstable-net --allow-read --allow-write _notify_listener.ts <path>
// deno-lint-ignore-file no-explicit-any
const path = Deno.args[0];
const socket = (Deno as any).listenDatagram({ transport: "unixpacket", path });
console.log(JSON.stringify({ event: "bound", path }));
const decoder = new TextDecoder();
for await (const [data] of socket) {
  console.log(JSON.stringify({ message: decoder.decode(data), at: Math.round(performance.now()) }));
}
