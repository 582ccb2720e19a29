/**
 * Hands out the logical names of one component's children: `<owner>/<key>`. Owners are project ids
 * (`k8s-staging-<name>`, which contain no `/`) or `promoter`, so names of different owners can never collide;
 * within an owner a repeated key is a bug in the caller and throws rather than letting Pulumi replace one
 * resource with another. Keys come from data (role, member, location), never from list positions.
 */
export class ChildNames {
  private readonly used = new Set<string>();

  /** @param owner the component's own logical name */
  constructor(private readonly owner: string) {}

  /**
   * The logical name for `key`.
   *
   * @param key a stable key, e.g. `bucket/objectViewer/allUsers`
   * @returns `<owner>/<key>` with characters Pulumi URNs or IAM keys may not carry replaced by `_`
   * @throws Error when the key was already used in this component
   * @example new ChildNames("k8s-staging-kind").name("project") // → "k8s-staging-kind/project"
   */
  name(key: string): string {
    const name = `${this.owner}/${key.replace(/[^A-Za-z0-9._@:/\[\]-]/g, "_").replace(/::+/g, ":")}`;
    if (this.used.has(name)) throw new Error(`duplicate resource name "${name}"`);
    this.used.add(name);
    return name;
  }
}
