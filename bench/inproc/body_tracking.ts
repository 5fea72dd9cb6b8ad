// Diagnosis: what the gate's body tracking costs per response where the runtime gives no completion signal
// (`app.request()`, edge runtimes, unknown adapters), step by step, for a fixed-length body: reading
// `response.body` (lazily made on Deno and Bun), the tracking stream and its reader, the new Response around
// it; then whole responses read to their end by the caller, untracked and tracked. Variants rotate every
// round; each figure is the median over rounds of ns per response. Prints one JSON line.
// Args: rounds, responses per batch.
import process from "node:process";
import { trackBody } from "../../src/_http/body.ts";

const [rounds, batch] = (process.argv.slice(2).length ? process.argv.slice(2) : ["20", "20000"]).map(Number);
const noop = () => {};
let sink: unknown;

type Step = () => unknown;
const steps: Record<string, Step> = {
  response: () => new Response("hello"),
  body: () => new Response("hello").body,
  stream: () => {
    const reader = new Response("hello").body!.getReader();
    return new ReadableStream({ pull: () => void reader.read(), cancel: noop });
  },
  tracked: () => trackBody(new Response("hello"), noop),
  read: () => new Response("hello").text(),
  trackedRead: () => trackBody(new Response("hello"), noop).text(),
};
const names = Object.keys(steps);

// Each variant in a loop of its own (see cpu.ts: shared loops share the JIT's type feedback).
const loop = `return async function run(step, n) {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const result = step();
    sink(result instanceof Promise ? await result : result);
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}`;
type Run = (step: Step, n: number) => Promise<number>;
const runs: Record<string, Run> = Object.fromEntries(
  names.map((name) => [name, new Function("process", "sink", loop)(process, (v: unknown) => (sink = v))]),
);
for (const name of names) await runs[name](steps[name], batch);
const perRound: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    perRound[name].push(await runs[name](steps[name], batch));
  }
}
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const diff = (a: string, b: string) => Math.round(median(perRound[a].map((v, i) => v - perRound[b][i])));
void sink;
console.log(JSON.stringify({
  result: {
    ns: Object.fromEntries(names.map((n) => [n, Math.round(median(perRound[n]))])),
    extra: {
      body: diff("body", "response"),
      stream: diff("stream", "body"),
      tracked: diff("tracked", "response"),
      trackedRead: diff("trackedRead", "read"),
    },
  },
}));
