// examples/kubernetes/: the manifests' numbers checked against the module's own Kubernetes defaults (so the
// two cannot drift apart), then the app run with the manifest's environment on a "Kubernetes" host
// (KUBERNETES_SERVICE_HOST set): readiness flips at once, requests keep being served through the delay.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RawClient } from "../support/raw_client.ts";
import { RUNTIMES } from "../support/runtimes.ts";
import { APP, appCommand, root, startApp } from "./_app.ts";
import { moduleDefaults } from "./_defaults.ts";
import type { Proc } from "../support/process.ts";
import { freePort, tempDir } from "./_system.ts";
import { parse as parseYaml } from "yaml";

/** Time kept between the end of the module's timeout and the kubelet's SIGKILL: the process still exits. */
const EXIT_MARGIN = 2_000;

// deno-lint-ignore no-explicit-any
type Manifest = any;

const children: Proc[] = [];
after(() => children.forEach((child) => child.dispose()));

const dir = join(root, "examples/kubernetes");
const app = readFileSync(APP, "utf8");
const defaults = moduleDefaults(true);

for (const name of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  describe(`examples/kubernetes/${name}`, { timeout: 60_000 }, () => {
    const manifest: Manifest = parseYaml(readFileSync(join(dir, name), "utf8"));
    const pod = manifest.spec.template.spec;
    const container = pod.containers[0];
    const env: Record<string, string> = Object.fromEntries(
      (container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const delay = Number(env.DRAIN_DELAY ?? defaults.delay);
    const timeout = Number(env.DRAIN_TIMEOUT ?? defaults.timeout);
    const preStop = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;

    test("terminationGracePeriodSeconds covers preStop, the whole timeout (delay included) and the exit", () => {
      const grace = pod.terminationGracePeriodSeconds * 1000;
      assert.ok(
        grace >= preStop + timeout + EXIT_MARGIN,
        `grace ${grace} ms < preStop ${preStop} + timeout ${timeout} + ${EXIT_MARGIN} ms to exit`,
      );
    });

    test("new requests keep being served for as long as the module's Kubernetes delay before the drain", () => {
      // Endpoint removal races SIGTERM; the module's default delay is its allowance for that.
      assert.ok(preStop + delay >= defaults.delay, `preStop ${preStop} + delay ${delay} < ${defaults.delay}`);
      assert.ok(delay <= timeout, `delay ${delay} > timeout ${timeout}`);
    });

    test("readiness and liveness probe the app's readyPath and livePath on its port", () => {
      const readyPath = /readyPath: "([^"]+)"/.exec(app)?.[1];
      const livePath = /livePath: "([^"]+)"/.exec(app)?.[1];
      assert.equal(container.readinessProbe.httpGet.path, readyPath);
      assert.equal(container.livenessProbe.httpGet.path, livePath);
      const port = container.ports.find((p: { name: string }) =>
        p.name === container.readinessProbe.httpGet.port
      );
      assert.ok(port, `no container port named ${container.readinessProbe.httpGet.port}`);
      assert.equal(Number(env.PORT), port.containerPort);
      if (delay > 0) {
        // A pod told to stop otherwise than by deletion leaves the endpoints only when its probe fails.
        const notices = container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold *
          1000;
        assert.ok(notices <= delay, `readiness noticed after ${notices} ms > delay ${delay}`);
      }
    });

    test("with its environment on a Kubernetes host: unready at SIGTERM, serving through the delay, exit 0", async (t) => {
      const runtime = RUNTIMES.find((r) => r.name === "node24") ?? RUNTIMES[0];
      const temp = tempDir("gd-k8s-");
      t.after(() => temp.dispose());
      const port = await freePort();
      const instance = await startApp(await appCommand(runtime, temp.path), {
        ...env,
        HOST: "127.0.0.1",
        PORT: port,
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
      });
      children.push(instance);
      const client = await RawClient.connect(port);
      assert.equal((await client.get(container.readinessProbe.httpGet.path)).status, 200);
      instance.kill("SIGTERM");
      await instance.waitForOutput(/shutdown started \(SIGTERM\)/, 5_000);
      assert.match(
        instance.output,
        new RegExp(`delay ${delay} ms, drain up to \\d+ ms, timeout ${timeout} ms`),
      );
      if (delay > 0) {
        // Once the shutdown started every response closes its connection, probes too: one connection each.
        const get = async (path: string) => {
          const fresh = await RawClient.connect(port);
          try {
            return await fresh.get(path);
          } finally {
            fresh.close();
          }
        };
        assert.equal((await get(container.readinessProbe.httpGet.path)).status, 503);
        assert.equal((await get(container.livenessProbe.httpGet.path)).status, 200);
        const served = await get("/");
        assert.equal(served.status, 200, "still serving during the delay");
        assert.equal(served.headers.connection, "close");
      }
      client.close();
      const exit = await instance.exit(timeout + 2_000);
      assert.equal(exit.code, 0, instance.output);
    });
  });
}
