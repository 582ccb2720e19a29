import { SIGNATURE_TAG_SUFFIXES } from "../promote/plan/signature-edges";

const SIGNATURE_TAG = new RegExp(`^sha256-([0-9a-f]{64})(?:${SIGNATURE_TAG_SUFFIXES.map((suffix) => suffix.replace(".", "\\.")).join("|")})$`);

/**
 * The digest a cosign signature or attestation tag belongs to. Such tags travel with their image (the promoter
 * copies them along), so inventories set them apart from the tags people write in `images.yaml`.
 *
 * @param tag any tag
 * @returns `sha256:<hex>` for `sha256-<hex>.sig` / `.att`, else `undefined`
 * @example signatureSubject("sha256-4ad9….sig") // → "sha256:4ad9…"
 */
export function signatureSubject(tag: string): string | undefined {
  const match = SIGNATURE_TAG.exec(tag);
  return match === null ? undefined : `sha256:${match[1]}`;
}
