import type { PlannedResource } from "../plan-program";

/**
 * Derives one resource's cloud id from its planned inputs, in the format the provider's import documentation
 * gives; `undefined` when an input it needs is missing or not a string.
 */
type IdDeriver = (inputs: Record<string, unknown>) => string | undefined;

/**
 * The documented import id of every GCP resource type the program declares (Import section of each resource
 * in the `@pulumi/gcp` API docs, which mirror the Google Terraform provider). IAM members are
 * space-separated `<resource> <role> <member>`, authoritative IAM bindings `<resource> <role>`. The longest,
 * fully qualified form is used wherever there is a choice, so nothing is taken from provider defaults (a bucket
 * id with its project needs no Compute API look-up).
 */
const DERIVERS: Readonly<Record<string, IdDeriver>> = {
  "gcp:organizations/project:Project": (i) => text(i["projectId"]),
  "gcp:projects/service:Service": (i) => join("/", i["project"], i["service"]),
  "gcp:projects/iAMMember:IAMMember": (i) => join(" ", i["project"], i["role"], i["member"]),
  "gcp:projects/iAMBinding:IAMBinding": (i) => join(" ", i["project"], i["role"]),
  "gcp:artifactregistry/repository:Repository": (i) => repositoryName(i["project"], i["location"], i["repositoryId"]),
  "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (i) => {
    const repository = repositoryName(i["project"], i["location"], i["repository"]);
    return repository && join(" ", repository, i["role"], i["member"]);
  },
  "gcp:storage/bucket:Bucket": (i) => join("/", i["project"], i["name"]),
  "gcp:storage/bucketIAMMember:BucketIAMMember": (i) => {
    const bucket = text(i["bucket"]);
    return bucket && join(" ", `b/${bucket}`, i["role"], i["member"]);
  },
  "gcp:serviceaccount/account:Account": (i) => {
    const project = text(i["project"]);
    const accountId = text(i["accountId"]);
    return project && accountId && `projects/${project}/serviceAccounts/${accountId}@${project}.iam.gserviceaccount.com`;
  },
  "gcp:serviceaccount/iAMMember:IAMMember": (i) => join(" ", i["serviceAccountId"], i["role"], i["member"]),
  "gcp:serviceaccount/iAMBinding:IAMBinding": (i) => join(" ", i["serviceAccountId"], i["role"]),
};

/**
 * Resource types whose id the cloud assigns at creation (Cloud Identity names groups `groups/<opaque id>`),
 * so no plan can know it: they must be given by the caller.
 */
const ASSIGNED_BY_THE_CLOUD: ReadonlySet<string> = new Set([
  "gcp:cloudidentity/group:Group",
  "gcp:cloudidentity/groupMembership:GroupMembership",
]);

/**
 * The import id of a planned resource, in the format the GCP provider documents for its type.
 *
 * @param resource a custom resource from the plan
 * @returns the id, or `undefined` when the type's id is assigned by the cloud (Cloud Identity groups and
 *   memberships) and cannot be derived
 * @throws Error when the type is not one the program is known to declare, or an input the id needs is missing
 * @example importIdOf({ type: "gcp:projects/service:Service", name: "…", parent: "…",
 *   inputs: { project: "k8s-staging-kind", service: "iam.googleapis.com" } }) // → "k8s-staging-kind/iam.googleapis.com"
 */
export function importIdOf(resource: PlannedResource): string | undefined {
  if (ASSIGNED_BY_THE_CLOUD.has(resource.type)) return undefined;
  const derive = DERIVERS[resource.type];
  if (!derive) throw new Error(`${resource.type} "${resource.name}": no import id format is known for this type`);
  const id = derive(resource.inputs);
  if (!id) throw new Error(`${resource.type} "${resource.name}": an input its import id needs is missing`);
  return id;
}

/** The resource types {@link importIdOf} derives ids for, for tests and documentation. */
export const IMPORTABLE_TYPES: readonly string[] = Object.keys(DERIVERS);

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function join(separator: string, ...values: unknown[]): string | undefined {
  const parts = values.map(text);
  return parts.every((part) => part !== undefined) ? parts.join(separator) : undefined;
}

function repositoryName(project: unknown, location: unknown, repositoryId: unknown): string | undefined {
  const parts = [project, location, repositoryId].map(text);
  if (parts.some((part) => part === undefined)) return undefined;
  return `projects/${parts[0]}/locations/${parts[1]}/repositories/${parts[2]}`;
}
