import type { PlannedResource } from "../plan-program";
import { importIdOf } from "./import-ids";

/** One entry of a `pulumi import --file` file. */
export interface ImportEntry {
  /** The Pulumi type token. */
  readonly type: string;
  /** The logical name, exactly as the program declares it (so the URN matches). */
  readonly name: string;
  /** The cloud id; absent for a component. */
  readonly id?: string;
  /** The logical name of the parent, itself an entry of the same file. */
  readonly parent?: string;
  /** Set on component resources: the import creates them empty, as parents for the others. */
  readonly component?: true;
}

/** A `pulumi import --file` file: `{"resources":[…]}`. */
export interface ImportFile {
  /** Components first, then every custom resource, in plan order. */
  readonly resources: readonly ImportEntry[];
}

/** Why an import file could not be built: every resource without an id, one line each. */
export class ImportIdError extends Error {
  /** One line per resource, e.g. `gcp:cloudidentity/group:Group "k8s-staging-kind/group": …`. */
  readonly lines: readonly string[];

  /** @param lines one line per resource that has no id; must not be empty */
  constructor(lines: readonly string[]) {
    super(lines.join("\n"));
    this.name = "ImportIdError";
    this.lines = lines;
  }
}

/** Options for {@link buildImportFile}. */
export interface BuildImportFileOptions {
  /** Ids by logical name for resources whose id the cloud assigned (Cloud Identity groups); others may be overridden too. */
  readonly knownIds?: ReadonlyMap<string, string>;
  /** The package of the program's own component types, e.g. `k8s-staging` for `k8s-staging:index:StagingProject`. */
  readonly componentPackage?: string;
}

/**
 * Builds the import file that adopts everything a plan declares: each component as a `component: true` entry,
 * each custom resource with its cloud id and its parent by name. Imported with `pulumi import --file`, the
 * existing projects, buckets, registries, accounts and grants enter the state under the URNs the program
 * declares, so the next `pulumi up` updates them in place instead of creating them again.
 *
 * @param resources the plan's resources
 * @param options ids the cloud assigned, and the component package
 * @returns the import file
 * @throws ImportIdError listing every resource whose id is neither derivable nor known, and every known id
 *   naming no planned resource
 * @example const file = buildImportFile((await planStaging(inputs, "prod")));
 */
export function buildImportFile(resources: readonly PlannedResource[], options: BuildImportFileOptions = {}): ImportFile {
  const knownIds = options.knownIds ?? new Map<string, string>();
  const componentPrefix = `${options.componentPackage ?? "k8s-staging"}:`;
  const components: ImportEntry[] = [];
  const custom: ImportEntry[] = [];
  const problems: string[] = [];
  for (const resource of resources) {
    const parent = resource.parent === null ? {} : { parent: resource.parent };
    if (resource.type.startsWith(componentPrefix)) {
      components.push({ type: resource.type, name: resource.name, ...parent, component: true });
      continue;
    }
    let id: string | undefined;
    try {
      id = knownIds.get(resource.name) ?? importIdOf(resource);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    if (id === undefined) {
      problems.push(`${resource.type} "${resource.name}": its id is assigned by the cloud; give it with --ids`);
      continue;
    }
    custom.push({ type: resource.type, name: resource.name, id, ...parent });
  }
  const planned = new Set(resources.map((resource) => resource.name));
  for (const name of knownIds.keys()) {
    if (!planned.has(name)) problems.push(`"${name}" has an id in --ids but the program declares no resource of that name`);
  }
  if (problems.length > 0) throw new ImportIdError(problems.sort());
  return { resources: [...components, ...custom] };
}
