// Unit tests of the retry arithmetic: Retry-After in both forms, the backoff's bounds, sleep.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRetryAfter } from "../src/index.js";
import { backoffMs, DEFAULT_RETRY, sleep } from "../src/retry.js";

const now = Date.parse("2026-11-30T12:00:00Z");

test("Retry-After in seconds", () => {
  assert.equal(parseRetryAfter("0", now), 0);
  assert.equal(parseRetryAfter("3", now), 3000);
  assert.equal(parseRetryAfter(" 120 ", now), 120_000);
});

test("Retry-After as an HTTP date, past dates meaning now", () => {
  assert.equal(parseRetryAfter("Mon, 30 Nov 2026 12:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfter("Mon, 30 Nov 2026 11:59:00 GMT", now), 0);
});

test("Retry-After absent or unreadable is undefined", () => {
  assert.equal(parseRetryAfter(null, now), undefined);
  for (const value of ["", "soon", "-1", "1.5", "2026-11-30T12:00:07Z", "Mon, 99 Foo 2026"]) {
    assert.equal(parseRetryAfter(value, now), undefined, JSON.stringify(value));
  }
});

test("the backoff doubles from its base up to its ceiling, with full jitter", () => {
  const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 350 };
  const highest = () => 0.999999;
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, options, highest)), [99, 199, 349, 349]);
  assert.equal(backoffMs(3, options, () => 0), 0);
});

test("sleep ends early, rejecting with the reason, when its signal aborts", async () => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort("stop"), 20);
  await assert.rejects(sleep(5_000, controller.signal), (reason: unknown) => reason === "stop");
  assert.ok(performance.now() - started < 1_000);
  await assert.rejects(sleep(10, controller.signal), (reason: unknown) => reason === "stop");
});
