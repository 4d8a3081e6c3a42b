// A real workorder-gateway for the tests: the binary (GATEWAY_BIN, default the workspace's debug
// build) serving config/default.toml, the sandbox demo, on a free loopback port.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The package directory (tests run from dist-test/test/support/). */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const repoRoot = path.resolve(packageDir, "../..");
const configFile = path.join(repoRoot, "config/default.toml");
export const gatewayBin = path.resolve(
  packageDir,
  process.env.GATEWAY_BIN ?? "../../target/debug/workorder-gateway",
);

const run = promisify(execFile);

export interface Gateway {
  /** The gateway's base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The embedded sandbox's base URL (its `/_sandbox/faults` admin route). */
  sandboxUrl: string;
  /** A development token of `tenant` (default `demo`; `demo2021` speaks Workorder
   * 2021-06-10), from the binary's `token` subcommand. */
  token(sub: string, roles: string, tenant?: string): Promise<string>;
  /** Sets the sandbox's fault injection (docs/sandbox.md); `{}` clears it. */
  faults(settings: Record<string, number>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the gateway with `WOG_*` overrides on top of the demo configuration. */
export async function startGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const { RUST_LOG: _ignored, ...inherited } = process.env; // RUST_LOG would override log.level
  const child = spawn(gatewayBin, ["serve", "--config", configFile], {
    env: {
      ...inherited,
      WOG_SERVER__LISTEN: "127.0.0.1:0",
      WOG_LOG__FORMAT: "json",
      WOG_SHUTDOWN__DRAIN_DELAY_SECS: "0",
      WOG_SHUTDOWN__TIMEOUT_SECS: "1",
      // The simulated engineer answers after 1 s instead of the demo's 20.
      WOG_SANDBOX__ENGINEER_DELAY_SECS: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { url, sandboxUrl } = await listening(child);
  return {
    url,
    sandboxUrl,
    async token(sub, roles, tenant = "demo") {
      const { stdout } = await run(gatewayBin, [
        "token", "--config", configFile, "--tenant", tenant, "--sub", sub, "--roles", roles,
      ]);
      return stdout.trim();
    },
    async faults(settings) {
      const response = await fetch(`${sandboxUrl}/_sandbox/faults`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(settings),
      });
      if (!response.ok) throw new Error(`sandbox faults: ${response.status} ${await response.text()}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Reads the JSON log lines until the gateway says where it listens. */
function listening(child: ChildProcess): Promise<{ url: string; sandboxUrl: string }> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let sandboxUrl: string | undefined;
    const timer = setTimeout(() => fail("did not report its address within 30 s"), 30_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`workorder-gateway (${gatewayBin}) ${why}; its output:\n${seen.join("\n")}`));
    };
    child.once("error", (error) => fail(`could not start: ${error.message}`));
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before listening`));
    // Both streams are read to the end, so a chatty gateway never blocks on a full pipe.
    createInterface({ input: child.stderr! }).on("line", (line) => seen.push(line));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (seen.length < 200) seen.push(line);
      let entry: { message?: string; url?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.message === "embedded sandbox started") sandboxUrl = entry.url;
      if (entry.message === "workorder-gateway listening" && entry.url) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        if (sandboxUrl === undefined) fail("listens without the embedded sandbox");
        else resolve({ url: entry.url, sandboxUrl });
      }
    });
  });
}
