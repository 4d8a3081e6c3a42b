// The committed generated types are what `npm run generate` makes from the committed document.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { packageDir } from "./support/gateway.js";

test("src/generated/openapi.ts is regenerated unchanged from openapi/openapi.json", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "wog-client-drift-"));
  try {
    const fresh = path.join(dir, "openapi.ts");
    await promisify(execFile)(
      path.join(packageDir, "node_modules/.bin/openapi-typescript"),
      [path.join(packageDir, "../../openapi/openapi.json"), "--output", fresh],
      { cwd: packageDir },
    );
    const committed = await readFile(path.join(packageDir, "src/generated/openapi.ts"), "utf8");
    assert.ok(committed.includes("export interface paths"));
    assert.equal(await readFile(fresh, "utf8"), committed, "run `npm run generate` and commit src/generated/openapi.ts");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
