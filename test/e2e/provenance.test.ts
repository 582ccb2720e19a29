/**
 * End-to-end: provenance policies checked before promoting, against real registries and a Fulcio/Rekor stand-in
 * on 127.0.0.1 — require (an unsigned image held back, signed ones promoted), warn, off, a forged signature, a
 * signer not allowed, an expired certificate, cosign 2 `.sig` and cosign 3 bundles, SLSA builders.
 */
import { listTags, startRegistry, startSigstoreStandIn, STAND_IN_ISSUER, type HarnessRegistry, type SigstoreStandIn } from "../harness";
import { writePromotionTree, type TreeImage } from "../harness/promotion-tree";
import { attachBundle, pushLegacySignature } from "../harness/sigstore-fixtures";
import { EXIT } from "../../lib/cli/promote";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { stageImage } from "./fixtures/staged-images";

const BUILDER = "https://github.com/kubernetes/release/.github/workflows/build.yaml@refs/heads/main";
const ALLOWED = { identity: "builder@k8s.io", issuer: STAND_IN_ISSUER };

let staging: HarnessRegistry;
let prod: HarnessRegistry;
let sigstore: SigstoreStandIn;
let expiredCa: SigstoreStandIn;

beforeAll(async () => {
  [staging, prod, sigstore, expiredCa] = await Promise.all([
    startRegistry(), startRegistry(), startSigstoreStandIn(), startSigstoreStandIn({ caClock: new Date(Date.now() - 3600_000) }),
  ]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose(), sigstore?.close(), expiredCa?.close()]);
});

async function promote(project: string, images: readonly TreeImage[], provenance: Record<string, unknown> | undefined, trustedRoot = sigstore.trustedRootPath) {
  const dir = await writePromotionTree([{ name: project, source: `${staging.host}/${project}`, destinations: [`${prod.host}/${project}`], images, ...(provenance ? { provenance } : {}) }]);
  return runPromote(["--thin-manifest-dir", dir, "--confirm", ...(trustedRoot ? ["--trusted-root", trustedRoot] : [])]);
}

test("require: the unsigned image is held back with its reason; images signed by an allowed signer (bundle or .sig) are promoted", async () => {
  const repository = `${staging.host}/required/app`;
  const [bundled, legacy, unsigned] = await Promise.all(["bundled", "legacy", "unsigned"].map((tag) => stageImage(`${repository}:${tag}`, `required-${tag}`)));
  await attachBundle(sigstore, ALLOWED.identity, repository, bundled!);
  await pushLegacySignature(sigstore, ALLOWED.identity, repository, legacy!.digest);
  const run = await promote("required", [{ name: "app", dmap: { [bundled!.digest]: ["bundled"], [legacy!.digest]: ["legacy"], [unsigned!.digest]: ["unsigned"] } }], { mode: "require", signers: [ALLOWED] });
  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toContain(`HELD required: ${repository}@${unsigned!.digest}: provenance (require): no signature or attestation found`);
  expect(run.stdout).toContain(`FAILED ${prod.host}/required/app@${unsigned!.digest}: provenance: no signature or attestation found`);
  // Each signed image went with its signature: the .sig tag, or the bundle's fallback index.
  expect(await listTags(`${prod.host}/required/app`)).toEqual(
    ["bundled", "legacy", `${legacy!.digest.replace(":", "-")}.sig`, bundled!.digest.replace(":", "-")].sort(),
  );
});

test.each([
  ["a forged signature", "forged", async (repository: string, image: { digest: string; mediaType: string; size: number }) => {
    await attachBundle(sigstore, ALLOWED.identity, repository, image, { forge: true });
  }, /referrer sha256:[0-9a-f]{64}: invalid: /],
  ["a signer not allowed", "stranger", async (repository: string, image: { digest: string; mediaType: string; size: number }) => {
    await attachBundle(sigstore, "stranger@example.com", repository, image);
  }, /signed by stranger@example\.com \(issuer https:\/\/issuer\.stand-in\.test\), not an allowed signer/],
  ["an expired certificate", "expired", async (repository: string, image: { digest: string; mediaType: string; size: number }) => {
    await attachBundle(expiredCa, ALLOWED.identity, repository, image);
  }, /referrer sha256:[0-9a-f]{64}: invalid: /],
])("require: %s holds the image back", async (_name, project, sign, reason) => {
  const repository = `${staging.host}/${project}/app`;
  const image = await stageImage(`${repository}:v1`, project);
  await sign(repository, image);
  // The expired certificate's CA is trusted: only its validity can fail it.
  const roots = project === "expired" ? expiredCa.trustedRootPath : sigstore.trustedRootPath;
  const run = await promote(project, [{ name: "app", dmap: { [image.digest]: ["v1"] } }], { mode: "require", signers: [ALLOWED] }, roots);
  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toMatch(new RegExp(`HELD ${project}: .*provenance \\(require\\): .*${reason.source}`));
  await expect(listTags(`${prod.host}/${project}/app`)).rejects.toThrow();
});

test("warn: the unsigned image is reported and promoted; off: nothing is checked and no trusted root is needed", async () => {
  const warned = await stageImage(`${staging.host}/warned/app:v1`, "warned");
  const run = await promote("warned", [{ name: "app", dmap: { [warned.digest]: ["v1"] } }], { mode: "warn", signers: [ALLOWED] });
  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toContain(`WARN warned: ${staging.host}/warned/app@${warned.digest}: provenance (warn): no signature or attestation found`);
  expect(await listTags(`${prod.host}/warned/app`)).toEqual(["v1"]);

  const off = await stageImage(`${staging.host}/off/app:v1`, "off");
  expectExitCode(await promote("off", [{ name: "app", dmap: { [off.digest]: ["v1"] } }], { mode: "off" }, ""), EXIT.ok);
});

test("builders: only an allowed signer's SLSA provenance naming an allowed builder lets the image through", async () => {
  const repository = `${staging.host}/built/app`;
  const [good, other] = await Promise.all(["good", "other"].map((tag) => stageImage(`${repository}:${tag}`, `built-${tag}`)));
  const provenance = (id: string) => ({ predicateType: "https://slsa.dev/provenance/v1", predicate: { runDetails: { builder: { id } } } });
  await attachBundle(sigstore, ALLOWED.identity, repository, good!, provenance(BUILDER));
  await attachBundle(sigstore, ALLOWED.identity, repository, other!, provenance("https://example.com/laptop"));
  const run = await promote("built", [{ name: "app", dmap: { [good!.digest]: ["good"], [other!.digest]: ["other"] } }], { mode: "require", signers: [ALLOWED], builders: [BUILDER] });
  expectExitCode(run, EXIT.failed);
  expect(run.stdout).toContain(`provenance (require): built by https://example.com/laptop, not an allowed builder`);
  // The good image went with its attestation (the fallback index); the other is not there at all.
  expect(await listTags(`${prod.host}/built/app`)).toEqual(["good", good!.digest.replace(":", "-")].sort());
});

test("a provenance policy without --trusted-root is a usage error: nothing is contacted", async () => {
  const run = await promote("noroot", [], { mode: "require", signers: [ALLOWED] }, "");
  expectExitCode(run, EXIT.invalid);
  expect(run.stderr).toContain("manifests/noroot/promoter-manifest.yaml: a provenance policy needs --trusted-root FILE");
});
