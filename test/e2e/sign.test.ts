/**
 * End-to-end: `--sign` against real registries and a Fulcio/Rekor stand-in on 127.0.0.1. What it writes is
 * checked by an independent verifier (sigstore-js's own verification, and node's crypto for the cosign 2 layer)
 * against the stand-in's trusted root: every destination, a rerun that signs and writes nothing, the canonical
 * registry of a project, and repair of a signature lost after the image was copied.
 */
import { startRegistry, startSigstoreStandIn, type HarnessRegistry, type SigstoreStandIn } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { SIGN_PREDICATE, verifyPublished } from "../harness/sigstore-fixtures";
import { EXIT } from "../../lib/cli/promote";
import { expectExitCode, loggedRequests, runPromote, writeRequestsSince } from "./fixtures/promote-run";
import { stageIndex } from "./fixtures/staged-images";

const PROMOTER = "promoter@k8s-artifacts-prod.iam.gserviceaccount.com";
const RECORD = "https://k8s.io/promo/promotion-record/v1";

let staging: HarnessRegistry;
let prod: HarnessRegistry;
let mirror: HarnessRegistry;
let sigstore: SigstoreStandIn;
let token: string;

beforeAll(async () => {
  [staging, prod, mirror, sigstore] = await Promise.all([startRegistry(), startRegistry(), startRegistry(), startSigstoreStandIn()]);
  token = await sigstore.identityTokenFile(PROMOTER);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prod?.dispose(), mirror?.dispose(), sigstore?.close()]);
});

function signArgs(): string[] {
  return ["--sign", "--fulcio-url", sigstore.fulcioUrl, "--rekor-url", sigstore.rekorUrl, "--identity-token", `file:${token}`];
}

async function tree(project: string, digest: string, signing?: Record<string, unknown>): Promise<string> {
  return writePromotionTree([{
    name: project, source: `${staging.host}/${project}`, destinations: [`${prod.host}/${project}`, `${mirror.host}/${project}`],
    images: [{ name: "app", dmap: { [digest]: ["v1"] } }], ...(signing ? { signing } : {}),
  }]);
}

test("every destination gets one signature per digest, verifiable offline; a rerun signs and writes nothing", async () => {
  const index = await stageIndex(`${staging.host}/signed/app:v1`, "signed");
  const dir = await tree("signed", index.digest);
  const run = await runPromote(["--thin-manifest-dir", dir, "--confirm", ...signArgs()]);
  expectExitCode(run, EXIT.ok);
  expect(run.stdout).toContain(`signed ${prod.host}/signed/app@${index.digest} (bundle, record, .sig)`);
  const found = await Promise.all([prod, mirror].map((registry) => verifyPublished(`${registry.host}/signed/app`, index.digest, sigstore.trustedRoot)));
  for (const signatures of found) {
    expect(signatures.map(({ form, identity, predicateType }) => [form, identity, predicateType]).sort()).toEqual([
      ["bundle", PROMOTER, RECORD],
      ["bundle", PROMOTER, SIGN_PREDICATE],
      ["sig", PROMOTER, undefined],
    ].sort());
    const record = signatures.find((signature) => signature.predicateType === RECORD)!.predicate!;
    expect(record).toMatchObject({ source: `${staging.host}/signed/app@${index.digest}`, digest: index.digest, tags: ["v1"] });
  }
  // One certificate and log entry per signature made: the image signature and the .sig once for both
  // destinations, a promotion record per destination.
  expect(sigstore.requests.get("/api/v2/signingCert")).toBe(4);

  const before = await Promise.all([prod, mirror].map(async (registry) => (await loggedRequests(registry)).length));
  const rerun = await runPromote(["--thin-manifest-dir", dir, "--confirm", ...signArgs()]);
  expectExitCode(rerun, EXIT.ok);
  expect(sigstore.requests.get("/api/v2/signingCert")).toBe(4);
  expect(await writeRequestsSince(prod, before[0]!)).toEqual([]);
  expect(await writeRequestsSince(mirror, before[1]!)).toEqual([]);
});

test("with signing.registry only that destination is signed; the other gets the image alone", async () => {
  const index = await stageIndex(`${staging.host}/canonical/app:v1`, "canonical");
  const dir = await tree("canonical", index.digest, { registry: `${prod.host}/canonical` });
  expectExitCode(await runPromote(["--thin-manifest-dir", dir, "--confirm", ...signArgs(), "--no-legacy-signature"]), EXIT.ok);
  expect((await verifyPublished(`${prod.host}/canonical/app`, index.digest, sigstore.trustedRoot)).map((s) => s.form)).toEqual(["bundle", "bundle"]);
  expect(await verifyPublished(`${mirror.host}/canonical/app`, index.digest, sigstore.trustedRoot)).toEqual([]);
});

test("an image copied by a run that could not sign is signed by the next run, though the image is skipped", async () => {
  const index = await stageIndex(`${staging.host}/repair-sign/app:v1`, "repair-sign");
  const dir = await tree("repair-sign", index.digest);
  const broken = await runPromote(["--thin-manifest-dir", dir, "--confirm", "--sign", "--fulcio-url", "http://127.0.0.1:1", "--rekor-url", sigstore.rekorUrl, "--identity-token", `file:${token}`]);
  expectExitCode(broken, EXIT.failed);
  expect(broken.stdout).toContain(`FAILED signing ${prod.host}/repair-sign/app@${index.digest}`);
  const repaired = await runPromote(["--thin-manifest-dir", dir, "--confirm", ...signArgs()]);
  expectExitCode(repaired, EXIT.ok);
  expect(repaired.stdout).toContain("0 copied, 0 tagged, 2 skipped");
  for (const registry of [prod, mirror]) {
    const signatures = await verifyPublished(`${registry.host}/repair-sign/app`, index.digest, sigstore.trustedRoot);
    expect(signatures.filter((s) => s.predicateType === SIGN_PREDICATE).map((s) => s.identity)).toEqual([PROMOTER]);
  }
});

test("a token that is not a JWT is a usage error before any registry is contacted", async () => {
  const dir = await tree("bad-token", `sha256:${"1".repeat(64)}`);
  const run = await runPromote(["--thin-manifest-dir", dir, "--sign", "--identity-token", "file:/dev/null"]);
  expectExitCode(run, EXIT.invalid);
  expect(run.stderr).toContain("--identity-token file:/dev/null: the identity token is not a JWT");
});
