/**
 * The commands as `npm run promote` and friends run them: compiled by scripts/build-cli.ts (what `npm ci` runs as
 * `prepare`) and started with plain Node. Catches what only the bundle can get wrong: a module left out, a lazily
 * required library that does not resolve, an entry that never calls its command.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCli, COMPILED_COMMANDS } from "../../scripts/build-cli";
import { startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { CommandError, runCommand } from "../harness/run-command";
import { digestOf } from "../harness/skopeo";
import { stageIndex } from "../e2e/fixtures/staged-images";

let outDir: string;
let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "compiled-commands-"));
  [staging, prod] = await Promise.all([startRegistry(), startRegistry(), buildCli(process.cwd(), outDir)]) as [HarnessRegistry, HarnessRegistry, string[]];
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose(), outDir && rm(outDir, { recursive: true, force: true })]);
});

/** Runs a compiled command; built outside the repository, it finds the npm packages through `NODE_PATH`. */
function runCompiled(command: string, args: readonly string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return runCommand(process.execPath, ["--max-semi-space-size=1", join(outDir, `${command}.cjs`), ...args], {
    env: { ...process.env, NODE_PATH: join(process.cwd(), "node_modules") },
  });
}

test.each(COMPILED_COMMANDS)("compiled %s answers --help", async (command) => {
  const { stdout } = await runCompiled(command, ["--help"]);
  expect(stdout.toString()).toMatch(new RegExp(`^Usage: ${command} `));
});

test("compiled promote copies an index and its tag to a real registry", async () => {
  const index = await stageIndex(`${staging.host}/compiled/app:staged`, "compiled");
  const tree = await writePromotionTree([
    { name: "compiled", source: `${staging.host}/compiled`, destinations: [`${prod.host}/compiled`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
  ]);

  const { stdout } = await runCompiled("promote", ["--thin-manifest-dir", tree, "--confirm", "--quiet"]);

  expect(stdout.toString()).toContain("1 copied");
  expect(await digestOf(`${prod.host}/compiled/app:v1`)).toBe(index.digest);
});

test("compiled promote loads the sigstore verifier only when asked, and reports a missing trusted root as a usage error", async () => {
  const tree = await writePromotionTree([{ name: "lazy", source: `${staging.host}/lazy`, destinations: [`${prod.host}/lazy`], images: [] }]);

  const failure = await runCompiled("promote", ["--thin-manifest-dir", tree, "--trusted-root", "/nonexistent/trusted_root.json"]).then(
    () => undefined,
    (error: unknown) => error,
  );

  expect(failure).toBeInstanceOf(CommandError);
  expect((failure as CommandError).exitCode).toBe(2);
  expect((failure as CommandError).stderr).toContain("--trusted-root");
  expect((failure as CommandError).stderr).toContain("/nonexistent/trusted_root.json");
});
