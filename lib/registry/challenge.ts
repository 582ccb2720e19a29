/**
 * Parsing of `WWW-Authenticate` challenges and of token scopes (`repository:NAME:ACTIONS`).
 */

/** One authentication challenge: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export interface Challenge {
  /** Lower-cased scheme, `bearer` or `basic` (others are reported as written, lower-cased). */
  readonly scheme: string;
  /** Lower-cased parameter names → values, quotes removed. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header value.
 *
 * @param header the header value
 * @returns the scheme and its parameters
 * @throws Error when the header has no scheme
 * @example parseChallenge('Bearer realm="https://a/token",service="r"') // → { scheme: "bearer", params: { realm: "https://a/token", service: "r" } }
 */
export function parseChallenge(header: string): Challenge {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (match === null) throw new Error(`malformed WWW-Authenticate header "${header}"`);
  const params: Record<string, string> = {};
  // key=value or key="quoted, value", separated by commas; quoted values may contain commas and escaped quotes.
  const param = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (const [, key, quoted, bare] of match[2]!.matchAll(param)) {
    params[key!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/**
 * Builds the scope for a repository.
 *
 * @param path repository path on the registry
 * @param actions `pull`, or `push,pull` for writes
 * @returns e.g. `repository:team/app:push,pull`
 */
export function repositoryScope(path: string, actions: "pull" | "push,pull"): string {
  return `repository:${path}:${actions}`;
}

/** Scopes as resource → actions, so coverage and merging ignore order. */
export type ScopeSet = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Parses scopes (`repository:a:pull`, `repository:b:push,pull`) into a {@link ScopeSet}; several scopes
 * on one resource are merged.
 *
 * @param scopes scope strings; a scope may itself be several separated by spaces (as in a challenge)
 * @returns resource (`repository:a`) → actions
 */
export function parseScopes(scopes: readonly string[]): ScopeSet {
  const set = new Map<string, Set<string>>();
  for (const scope of scopes.flatMap((s) => s.split(" ")).filter((s) => s !== "")) {
    const colon = scope.lastIndexOf(":");
    const resource = colon === -1 ? scope : scope.slice(0, colon);
    const actions = colon === -1 ? [] : scope.slice(colon + 1).split(",");
    const existing = set.get(resource) ?? new Set<string>();
    for (const action of actions) if (action !== "") existing.add(action);
    set.set(resource, existing);
  }
  return set;
}

/**
 * Formats a {@link ScopeSet} as sorted scope strings, one per resource (`repository:a:pull,push`).
 *
 * @param set the scopes
 * @returns sorted scope strings; actions sorted too, so equal sets format equally
 */
export function formatScopes(set: ScopeSet): string[] {
  return [...set.entries()]
    .map(([resource, actions]) => (actions.size === 0 ? resource : `${resource}:${[...actions].sort().join(",")}`))
    .sort();
}

/**
 * Tells whether a token granted for `granted` may be used for `wanted`.
 *
 * @param granted scopes the token was issued for
 * @param wanted scopes the request needs
 * @returns true when every wanted resource is granted with every wanted action
 */
export function scopesCover(granted: ScopeSet, wanted: ScopeSet): boolean {
  for (const [resource, actions] of wanted) {
    const have = granted.get(resource);
    if (have === undefined) return false;
    for (const action of actions) if (!have.has(action)) return false;
  }
  return true;
}
