/**
 * End-to-end: `verify` lists what promoted images lack in a destination (signature tags, referrers) that staging
 * has, `--repair` copies it, and the exit code says whether anything is still missing; real registries.
 */
import { inspectRaw, pushReferrers, pushSignature, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { runVerifyCli, VERIFY_EXIT } from "../../lib/cli/verify";
import { captureIo } from "../support/capture-io";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { stageImage } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

async function verify(argv: string[]): Promise<{ code: number; stdout: string }> {
  const captured = captureIo();
  const code = await runVerifyCli([...argv, "--quiet"], captured.io);
  return { code, stdout: captured.out() };
}

test("signatures and referrers added after promotion are listed, repaired, and then nothing is missing", async () => {
  const repository = `${staging.host}/late/app`;
  const image = await stageImage(`${repository}:v1`, "late-signed");
  const unpromoted = await stageImage(`${repository}:v2`, "late-unpromoted");
  const dir = await writePromotionTree([{ name: "late", source: `${staging.host}/late`, destinations: [`${prod.host}/late`], images: [{ name: "app", dmap: { [image.digest]: ["v1"] } }] }]);
  expect((await runPromote(["--thin-manifest-dir", dir, "--confirm"])).code).toBe(0);
  const signature = await pushSignature(repository, image.digest);
  const referrers = await pushReferrers(repository, image, [{ artifactType: "application/spdx+json", payload: Buffer.from("{}") }]);
  await pushSignature(repository, unpromoted.digest);

  const listed = await verify(["--thin-manifest-dir", dir]);
  expect(listed.code).toBe(VERIFY_EXIT.missing);
  expect(listed.stdout).toBe(
    `MISSING ${prod.host}/late/app@${image.digest}: 1 referrer(s)\n` +
    `MISSING ${prod.host}/late/app@${image.digest}: ${signature.tag}\n` +
    "2 missing.\n",
  );

  const repaired = await verify(["--thin-manifest-dir", dir, "--repair"]);
  expect(repaired.code).toBe(VERIFY_EXIT.complete);
  expect(repaired.stdout).toContain("Repaired 2; nothing missing.");
  expect(await inspectRaw(`${prod.host}/late/app:${signature.tag}`)).toEqual(signature.bytes);
  expect(await inspectRaw(`${prod.host}/late/app@${referrers.referrers[0]!.digest}`)).toEqual(referrers.referrers[0]!.bytes);

  const after = await verify(["--thin-manifest-dir", dir]);
  expect(after).toEqual({ code: VERIFY_EXIT.complete, stdout: "Nothing missing.\n" });
  expectExitCode(await runPromote(["--thin-manifest-dir", dir]), 0);
});

test("a staging signature that would drop one the destination has is listed, and --repair cannot fix it", async () => {
  const repository = `${staging.host}/diverged/app`;
  const image = await stageImage(`${repository}:v1`, "verify-diverged");
  await pushSignature(repository, image.digest, { signers: ["alice", "bob"] });
  const dir = await writePromotionTree([{ name: "diverged", source: `${staging.host}/diverged`, destinations: [`${prod.host}/diverged`], images: [{ name: "app", dmap: { [image.digest]: ["v1"] } }] }]);
  expect((await runPromote(["--thin-manifest-dir", dir, "--confirm"])).code).toBe(0);
  const other = await pushSignature(repository, image.digest, { signers: ["alice", "carol"] });
  const listed = await verify(["--thin-manifest-dir", dir]);
  expect(listed.code).toBe(VERIFY_EXIT.missing);
  expect(listed.stdout).toContain(`MISSING ${prod.host}/diverged/app@${image.digest}: ${other.tag}: ${other.tag} points to sha256:`);
  expect(listed.stdout).toContain(`would drop 1 signature(s) the destination has`);
  const repaired = await verify(["--thin-manifest-dir", dir, "--repair"]);
  expect(repaired.code).toBe(VERIFY_EXIT.missing);
  expect(repaired.stdout).toContain(`FAILED ${prod.host}/diverged/app@${image.digest}: ${other.tag}: `);
});

test("a bad command line exits 2", async () => {
  expect((await verify([])).code).toBe(VERIFY_EXIT.invalid);
});
