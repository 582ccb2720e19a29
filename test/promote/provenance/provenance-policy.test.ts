import { compareProblems, formatProblem } from "../../../lib/diagnostics/problem";
import { validateThinManifest } from "../../../lib/promote/manifests/validate-manifest";
import { evaluatePolicy } from "../../../lib/promote/provenance/evaluate-policy";
import type { ProvenancePolicy } from "../../../lib/promote/manifests/types";
import type { EvidenceVerdict } from "../../../lib/sigstore/verify-evidence";
import { parseYaml } from "../../../lib/yaml/parse-yaml";

const REGISTRIES = "registries:\n- name: gcr.io/k8s-staging-p\n  src: true\n- name: us.gcr.io/prod/p\n";
const IMAGES = "# No images yet\n";

function thin(manifestText: string) {
  const result = validateThinManifest(
    "p",
    parseYaml("manifests/p/promoter-manifest.yaml", manifestText, { schema: "failsafe" }),
    parseYaml("images/p/images.yaml", IMAGES, { schema: "failsafe" }),
  );
  return { manifest: result.manifest, problems: [...result.problems].sort(compareProblems).map(formatProblem) };
}

describe("the provenance: and signing: blocks of a promoter manifest", () => {
  it("reads kpromo's block: mode, signers as identity and issuer, builders", () => {
    const { manifest, problems } = thin(`${REGISTRIES}provenance:
  mode: require
  signers:
  - identity: https://github.com/kubernetes/release/.github/workflows/build.yaml@refs/heads/main
    issuer: https://token.actions.githubusercontent.com
  builders: [https://github.com/kubernetes/release/.github/workflows/build.yaml@refs/heads/main]
signing:
  registry: us.gcr.io/prod/p
`);
    expect(problems).toEqual([]);
    expect(manifest?.provenance).toEqual({
      mode: "require",
      signers: [{ identity: "https://github.com/kubernetes/release/.github/workflows/build.yaml@refs/heads/main", issuer: "https://token.actions.githubusercontent.com" }],
      builders: ["https://github.com/kubernetes/release/.github/workflows/build.yaml@refs/heads/main"],
    });
    expect(manifest?.signingRegistry).toBe("us.gcr.io/prod/p");
  });

  it("reports every problem with its position: a bad mode, a signer without issuer, an unknown key; a checking mode without signers; a signing registry that is not a destination", () => {
    expect(thin(`${REGISTRIES}provenance:\n  mode: strict\n  signers:\n  - identity: a@b.c\n  colour: red\n`).problems).toEqual([
      "manifests/p/promoter-manifest.yaml:6:9: provenance.mode: expected off, warn or require",
      "manifests/p/promoter-manifest.yaml:8:5: provenance.signers[0].issuer: required",
      "manifests/p/promoter-manifest.yaml:9:3: provenance.colour: unknown key",
    ]);
    expect(thin(`${REGISTRIES}signing:\n  registry: gcr.io/k8s-staging-p\n`).problems).toEqual([
      "manifests/p/promoter-manifest.yaml:6:13: signing.registry: must be one of the destination registries of this manifest",
    ]);
    expect(thin(`${REGISTRIES}provenance:\n  mode: warn\n`).problems).toEqual([
      "manifests/p/promoter-manifest.yaml:6:9: provenance.mode: mode warn needs at least one entry in provenance.signers",
    ]);
  });
});

describe("evaluatePolicy", () => {
  const policy: ProvenancePolicy = { mode: "require", signers: [{ identity: "ci@k8s.io", issuer: "https://issuer" }], builders: [] };
  const signed = (identity: string, issuer = "https://issuer", builderId?: string): EvidenceVerdict => ({
    ok: true, where: "referrer sha256:1", signer: { identity, issuer }, kind: builderId ? "attestation" : "signature", ...(builderId ? { builderId } : {}),
  });

  it.each<[string, EvidenceVerdict[], ProvenancePolicy, ReturnType<typeof evaluatePolicy>]>([
    ["an allowed signer passes", [signed("ci@k8s.io")], policy, { ok: true, signer: "ci@k8s.io" }],
    ["nothing found", [], policy, { ok: false, reason: "no signature or attestation found" }],
    ["the right identity from another issuer", [signed("ci@k8s.io", "https://elsewhere")], policy,
      { ok: false, reason: "referrer sha256:1: signed by ci@k8s.io (issuer https://elsewhere), not an allowed signer" }],
    ["an invalid one next to a stranger's", [{ ok: false, where: "x.sig layer 1", reason: "invalid: bad signature" }, signed("eve@x")], policy,
      { ok: false, reason: "x.sig layer 1: invalid: bad signature; referrer sha256:1: signed by eve@x (issuer https://issuer), not an allowed signer" }],
    ["builders named but only a signature", [signed("ci@k8s.io")], { ...policy, builders: ["b"] },
      { ok: false, reason: "no SLSA provenance attestation from an allowed signer (the policy names builders)" }],
    ["an allowed builder", [signed("ci@k8s.io", "https://issuer", "b")], { ...policy, builders: ["b"] }, { ok: true, signer: "ci@k8s.io" }],
  ])("%s", (_name, verdicts, rules, expected) => {
    expect(evaluatePolicy(verdicts, rules)).toEqual(expected);
  });
});
