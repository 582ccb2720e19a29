/**
 * The signing and verifying library against the Fulcio/Rekor stand-in on 127.0.0.1: a cosign 2 layer survives
 * the round trip through its annotations, statements are checked against the digest, bad trusted roots are named.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSigstoreStandIn, type SigstoreStandIn } from "../harness";
import { bundleFromLegacy, legacyAnnotations, simpleSigningPayload } from "../../lib/sigstore/cosign-legacy";
import { identityOfToken } from "../../lib/sigstore/identity-token";
import { KeylessSigner } from "../../lib/sigstore/keyless-signer";
import { COSIGN_SIGN_PREDICATE, IN_TOTO_STATEMENT_V1 } from "../../lib/sigstore/media-types";
import { EvidenceVerifier, TrustedRootError } from "../../lib/sigstore/verify-evidence";

const DIGEST = `sha256:${"d".repeat(64)}`;
let sigstore: SigstoreStandIn;
let signer: KeylessSigner;

beforeAll(async () => {
  sigstore = await startSigstoreStandIn();
  signer = new KeylessSigner({ fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl, identity: { getToken: async () => sigstore.identityToken("ci@k8s.io") } });
});
afterAll(() => sigstore?.close());

test("a cosign 2 signature written as layer annotations is read back and verified, and only for its digest", async () => {
  const payload = simpleSigningPayload("registry.k8s.io/pause", DIGEST);
  const bundle = bundleFromLegacy(payload, legacyAnnotations(await signer.signMessage(payload)));
  const verifier = new EvidenceVerifier(sigstore.trustedRoot);
  expect(verifier.verify({ where: "x.sig layer 1", bundle, artifact: payload }, DIGEST)).toEqual({
    ok: true, where: "x.sig layer 1", signer: { identity: "ci@k8s.io", issuer: "https://issuer.stand-in.test" }, kind: "signature",
  });
  expect(verifier.verify({ where: "x.sig layer 1", bundle, artifact: payload }, `sha256:${"e".repeat(64)}`)).toEqual({
    ok: false, where: "x.sig layer 1", reason: `it signs ${DIGEST}, not sha256:${"e".repeat(64)}`,
  });
  const tampered = Buffer.from(payload.toString().replace("pause", "evil"));
  expect(verifier.verify({ where: "x.sig layer 1", bundle, artifact: tampered }, DIGEST)).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid: /) });
});

test("a DSSE statement verifies for the digest it names, not another", async () => {
  const bundle = await signer.attest({ _type: IN_TOTO_STATEMENT_V1, subject: [{ name: "r/app", digest: { sha256: DIGEST.slice(7) } }], predicateType: COSIGN_SIGN_PREDICATE, predicate: {} });
  const verifier = new EvidenceVerifier(sigstore.trustedRoot);
  expect(verifier.verify({ where: "referrer", bundle }, DIGEST)).toMatchObject({ ok: true, kind: "signature", predicateType: COSIGN_SIGN_PREDICATE });
  expect(verifier.verify({ where: "referrer", bundle }, `sha256:${"f".repeat(64)}`)).toEqual({ ok: false, where: "referrer", reason: `its statement is not about sha256:${"f".repeat(64)}` });
});

test("another trusted root rejects the stand-in's signatures; a file that is not a trusted root is named", async () => {
  const other = await startSigstoreStandIn();
  try {
    const payload = simpleSigningPayload("r/app", DIGEST);
    const bundle = bundleFromLegacy(payload, legacyAnnotations(await signer.signMessage(payload)));
    expect(EvidenceVerifier.fromFile(other.trustedRootPath).verify({ where: "w", bundle, artifact: payload }, DIGEST)).toMatchObject({ ok: false });
  } finally {
    await other.close();
  }
  const dir = await mkdtemp(join(tmpdir(), "trusted-root-"));
  await writeFile(join(dir, "root.json"), "not json");
  expect(() => EvidenceVerifier.fromFile(join(dir, "root.json"))).toThrow(TrustedRootError);
  expect(() => EvidenceVerifier.fromFile(join(dir, "missing.json"))).toThrow(`${join(dir, "missing.json")}: ENOENT`);
});

test("the identity a token gets: GitHub's workflow, an email, else the subject", () => {
  const token = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
  expect(identityOfToken(token({ iss: "https://token.actions.githubusercontent.com", job_workflow_ref: "k/r/.github/workflows/w.yaml@refs/heads/main", sub: "repo:k/r" })))
    .toEqual({ identity: "https://github.com/k/r/.github/workflows/w.yaml@refs/heads/main", issuer: "https://token.actions.githubusercontent.com" });
  expect(identityOfToken(token({ iss: "https://accounts.google.com", email: "sa@p.iam.gserviceaccount.com", sub: "1" })).identity).toBe("sa@p.iam.gserviceaccount.com");
  expect(() => identityOfToken(token({ sub: "x" }))).toThrow("the identity token names no issuer");
  expect(() => identityOfToken("nope")).toThrow("the identity token is not a JWT");
});
