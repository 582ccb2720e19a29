import { validRange } from "semver";
import { tagProblem } from "../promote/manifests/grammar";
import { parseRepository } from "../registry/reference";

/** Which tags of a staging repository a reference asks for. */
export type TagSelector =
  /** One tag, exactly as written. */
  | { readonly kind: "tag"; readonly tag: string }
  /** Every tag matching a pattern: `*` any characters, `?` one character (`v1.2.*`). */
  | { readonly kind: "pattern"; readonly pattern: string; readonly matcher: RegExp }
  /** Every tag that is a semantic version (a leading `v` allowed) in the range (`^1.2`, `>=1.2.0 <1.3.0`). */
  | { readonly kind: "semver"; readonly range: string };

/** One command-line reference to images in a staging registry. */
export interface StagingRef {
  /** The reference as given, for messages. */
  readonly text: string;
  /** The staging repository, `host/path`. */
  readonly repository: string;
  readonly selector: TagSelector;
}

/**
 * Parses `REPOSITORY:SELECTOR`, where the selector is a tag, a pattern with `*`/`?`, or a semver range. A
 * selector that is a valid tag is always that tag (`1.2` is the tag `1.2`, not the range `1.2.x`).
 *
 * @param text e.g. `gcr.io/k8s-staging-kind/node:v1.30.0`, `…/node:v1.30.*`, `…/node:^1.30`
 * @returns the repository and selector
 * @throws Error with the reason, naming the reference
 * @example parseStagingRef("gcr.io/k8s-staging-kind/node:v1.30.*").selector.kind // → "pattern"
 */
export function parseStagingRef(text: string): StagingRef {
  const fail = (reason: string): never => {
    throw new Error(`${text}: ${reason}`);
  };
  if (text.includes("@")) fail("images are added by tag (REPOSITORY:TAG); a digest alone gives no tag to promote");
  const slash = text.lastIndexOf("/");
  const colon = text.indexOf(":", slash + 1);
  if (slash < 0 || colon < 0) fail("expected REPOSITORY:TAG, REPOSITORY:PATTERN or REPOSITORY:SEMVER-RANGE");
  const repository = text.slice(0, colon);
  const selector = text.slice(colon + 1);
  try {
    parseRepository(repository);
  } catch (error) {
    fail((error as Error).message);
  }
  return { text, repository, selector: parseSelector(selector) ?? fail(`"${selector}" is neither a tag, a tag pattern (* and ?) nor a semver range`) };
}

function parseSelector(selector: string): TagSelector | undefined {
  if (tagProblem(selector) === undefined) return { kind: "tag", tag: selector };
  if (/^[\w.*?-]+$/.test(selector) && /[*?]/.test(selector)) {
    const source = selector.replace(/[.*?-]/g, (c) => (c === "*" ? "[\\w.-]*" : c === "?" ? "[\\w.-]" : `\\${c}`));
    return { kind: "pattern", pattern: selector, matcher: new RegExp(`^${source}$`) };
  }
  return validRange(selector) === null ? undefined : { kind: "semver", range: selector };
}
