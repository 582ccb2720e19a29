import type { RegistryClient } from "../../registry/client";
import { createLimiter } from "../../registry/limit";
import { parseRepository } from "../../registry/reference";
import type { EdgeDecision, RefusedTag } from "../plan/assess-edge";

/**
 * Settles the cosign tags (`.sig`, `.att`, `.sbom`) a plan refused because the destination's tag points to another
 * manifest. cosign 2 adds a signature by appending a layer and moving the tag, so: when the staging manifest holds
 * every layer of the destination's, the tag is moved to it (signatures accumulate); when the destination's holds
 * every layer of staging's (it was signed there too, e.g. by `--sign`), nothing is missing and nothing is written;
 * otherwise moving would drop a signature, and the tag is refused with that reason. A signature manifest whose every
 * tag stays refused or unneeded is not copied, so nothing is written untagged.
 *
 * Runs in dry runs too (it only reads), so a dry run reports what a promotion would do.
 *
 * @param client the registry client
 * @param decisions the plan's decisions
 * @param concurrency manifests compared at once; default 8
 * @returns the decisions, with the signature-tag refusals resolved (others unchanged, same order)
 */
export async function resolveSignatureMoves(client: RegistryClient, decisions: readonly EdgeDecision[], concurrency = 8): Promise<EdgeDecision[]> {
  const limit = createLimiter(concurrency);
  return Promise.all(decisions.map((decision) => {
    if (decision.edge.signatureOf === undefined || decision.refusedTags.length === 0 || decision.action === "fail") return decision;
    return limit(() => resolveOne(client, decision));
  }));
}

async function resolveOne(client: RegistryClient, decision: EdgeDecision): Promise<EdgeDecision> {
  const { edge } = decision;
  const destination = parseRepository(edge.destination);
  const source = parseRepository(decision.source ?? edge.claims[0]!.source);
  const staged = layersOf(await client.getManifest(decision.action === "copy" ? source : destination, edge.digest));
  const addTags = [...decision.addTags];
  const movedTags: RefusedTag[] = [];
  const refusedTags: RefusedTag[] = [];
  for (const refusal of decision.refusedTags) {
    const current = layersOf(await client.getManifest(destination, refusal.current));
    const lost = [...current].filter((layer) => !staged.has(layer));
    if (lost.length === 0) {
      addTags.push(refusal.tag);
      movedTags.push(refusal);
      continue;
    }
    if ([...staged].every((layer) => current.has(layer))) continue;
    refusedTags.push({ ...refusal, reason: `moving it to ${edge.digest} would drop ${lost.length} signature(s) the destination has` });
  }
  addTags.sort();
  const action = addTags.length > 0 ? (decision.action === "skip" ? "tag" : decision.action) : "skip";
  return { ...decision, action, addTags, refusedTags, ...(movedTags.length > 0 ? { movedTags } : {}) };
}

/**
 * The layers of a cosign signature, attestation or SBOM manifest, each as its digest and annotations: cosign 2
 * signs the same payload blob again for each signature and keeps the signature in the layer's annotations, so two
 * signatures share a digest and only the annotations tell them apart.
 */
function layersOf(raw: { bytes: Uint8Array }): Set<string> {
  const parsed = JSON.parse(Buffer.from(raw.bytes).toString("utf8")) as { layers?: Array<{ digest?: string; annotations?: Record<string, string> }> };
  return new Set((parsed.layers ?? []).map((layer) => `${layer.digest} ${JSON.stringify(Object.entries(layer.annotations ?? {}).sort())}`));
}
