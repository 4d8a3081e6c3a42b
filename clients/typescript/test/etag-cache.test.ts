// The ETag cache stays within its bounds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EtagCache } from "../src/etag-cache.js";

const entry = (etag: string, body = "{}") => ({ etag, body, contentType: "application/json" });

test("the least recently used entry goes first when the cache is full", () => {
  const cache = new EtagCache(2, 1024);
  cache.set("a", entry('"1"'));
  cache.set("b", entry('"2"'));
  assert.equal(cache.get("a")?.etag, '"1"'); // a is now the most recently used
  cache.set("c", entry('"3"'));
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a")?.etag, '"1"');
  assert.equal(cache.get("c")?.etag, '"3"');
});

test("a body over the size bound is not kept, and replaces nothing stale", () => {
  const cache = new EtagCache(4, 30);
  cache.set("a", entry('"1"', "0123456789"));
  assert.equal(cache.size, 1);
  cache.set("a", entry('"2"', "0123456789ab"));
  assert.equal(cache.get("a"), undefined, "the old body of a changed resource is dropped too");
});

test("zero entries turns the cache off", () => {
  const cache = new EtagCache(0, 1024);
  cache.set("a", entry('"1"'));
  assert.equal(cache.size, 0);
});
