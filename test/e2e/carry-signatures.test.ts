/**
 * End-to-end: cosign's tag scheme carried between real registries — signatures that accumulate (the `.sig` tag
 * moves to a manifest holding every earlier layer), a move that would drop a signature (refused, nothing written),
 * `.sbom` tags, and the `.sig` of an index's children (`cosign sign --recursive`); checked with skopeo.
 */
import { inspectRaw, listTags, pushSignature, signatureTag, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { EXIT } from "../../lib/cli/promote";
import { expectExitCode, loggedRequests, runPromote, writeRequestsSince } from "./fixtures/promote-run";
import { stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prod: HarnessRegistry;

beforeAll(async () => {
  [staging, prod] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose()]);
});

async function tree(project: string, digest: string): Promise<string> {
  return writePromotionTree([{ name: project, source: `${staging.host}/${project}`, destinations: [`${prod.host}/${project}`], images: [{ name: "app", dmap: { [digest]: ["v1"] } }] }]);
}

test("a second signature in staging moves the destination's .sig to the accumulated manifest; the rerun writes nothing", async () => {
  const index = await stageIndex(`${staging.host}/accumulate/app:v1`, "accumulate");
  await pushSignature(`${staging.host}/accumulate/app`, index.digest, { signers: ["alice"] });
  const dir = await tree("accumulate", index.digest);
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);

  const both = await pushSignature(`${staging.host}/accumulate/app`, index.digest, { signers: ["alice", "bob"] });
  const run = await runPromote(["--thin-manifest-dir", dir, "--confirm"]);
  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toContain(`copied ${staging.host}/accumulate/app@${both.digest} → ${prod.host}/accumulate/app [${both.tag}]`);
  expect(await inspectRaw(`${prod.host}/accumulate/app:${both.tag}`)).toEqual(both.bytes);

  const before = (await loggedRequests(prod)).length;
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);
  expect(await writeRequestsSince(prod, before)).toEqual([]);
});

test("a staging .sig that lacks a signature the destination has is refused, and nothing is written", async () => {
  const index = await stageIndex(`${staging.host}/diverged/app:v1`, "diverged");
  await pushSignature(`${staging.host}/diverged/app`, index.digest, { signers: ["alice", "bob"] });
  const dir = await tree("diverged", index.digest);
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm"]), EXIT.ok);
  const destination = await inspectRaw(`${prod.host}/diverged/app:${signatureTag(index.digest)}`);

  const other = await pushSignature(`${staging.host}/diverged/app`, index.digest, { signers: ["alice", "carol"] });
  const before = (await loggedRequests(prod)).length;
  const run = await runPromote(["--thin-manifest-dir", dir, "--confirm"]);
  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toContain(`REFUSED ${prod.host}/diverged/app:${other.tag} points to sha256:`);
  expect(run.stdout).toContain(`moving it to ${other.digest} would drop 1 signature(s) the destination has`);
  // Neither the tag nor an untagged copy of the new signature manifest was written.
  expect(await writeRequestsSince(prod, before)).toEqual([]);
  expect(await inspectRaw(`${prod.host}/diverged/app:${other.tag}`)).toEqual(destination);
});

test(".sbom tags and the .sig of each child of an index are carried, byte-identical", async () => {
  const index = await stageIndex(`${staging.host}/recursive/app:v1`, "recursive");
  const repository = `${staging.host}/recursive/app`;
  const sbom = await pushSignature(repository, index.digest, { kind: "sbom" });
  const children = await Promise.all(index.children.map((child) => pushSignature(repository, child.digest)));
  expectExitCode(await runPromote(["--thin-manifest-dir", await tree("recursive", index.digest), "--confirm"]), EXIT.ok);
  expect(await listTags(`${prod.host}/recursive/app`)).toEqual([sbom.tag, ...children.map((child) => child.tag), "v1"].sort());
  expect(await inspectRaw(`${prod.host}/recursive/app:${sbom.tag}`)).toEqual(sbom.bytes);
  for (const child of children) expect(await inspectRaw(`${prod.host}/recursive/app:${child.tag}`)).toEqual(child.bytes);
});
