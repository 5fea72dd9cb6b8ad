import { test } from "node:test";
import assert from "node:assert/strict";
import { pathOf, targetOf } from "../src/_http/url.ts";

test("targetOf and pathOf read absolute URLs and the bare target Bun gives a Host-less HTTP/1.0 request", () => {
  assert.equal(targetOf("http://127.0.0.1:8000/a/b?c=1"), "/a/b?c=1");
  assert.equal(targetOf("http://127.0.0.1:8000"), "/");
  assert.equal(targetOf("/ready?x"), "/ready?x");
  assert.equal(pathOf("http://h/ready?x=1"), "/ready");
  assert.equal(pathOf("/ready"), "/ready");
  assert.equal(pathOf("/ready?full"), "/ready");
});
