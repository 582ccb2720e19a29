import type { StackConfig } from "../stack-config/stack-config-schema";
import { PROJECT_ID_PREFIX } from "./project-name";
import type { Cleanup, DedicatedProjectFile } from "./project-schema";

/** One Artifact Registry repository of a staging project. */
export interface RegistrySpec {
  /** Region or multi-region, e.g. `us`. */
  readonly location: string;
  /** Repository id, e.g. `gcr.io`. */
  readonly repositoryId: string;
  /** Where images are pushed, e.g. `gcr.io/k8s-staging-kind`. */
  readonly address: string;
  /** Stable key for child resource names, e.g. `registry/us/gcr.io`. */
  readonly key: string;
  /**
   * Set for the GCR-compatible repositories (`gcr.io`, `us.gcr.io`, …), which Google's GCR migration created:
   * the full repository name they are adopted under. Such a repository is only ever imported, never created.
   */
  readonly adoptFrom?: string;
}

/** The optional `gcb-builder-<name>` account, fully derived. */
export interface GcbBuilderSpec {
  /** Account id, `gcb-builder-<name>`. */
  readonly accountId: string;
  /** Account email. */
  readonly email: string;
  /** The Kubernetes service account that may impersonate it, as an IAM member. */
  readonly workloadIdentityMember: string;
}

/** Everything one dedicated staging project gets, derived from its file and the stack config (no Pulumi inside). */
export interface StagingProjectSpec {
  /** Base name of the file, e.g. `kind`. */
  readonly name: string;
  /** The file as shown in messages, e.g. `projects/kind.yaml`. */
  readonly file: string;
  /** `k8s-staging-<name>`. */
  readonly projectId: string;
  /** Email of the writers group, `k8s-infra-staging-<name>@<domain>`. */
  readonly writersGroup: string;
  /** Every API to enable: the stack's list, then the file's extras. */
  readonly apis: readonly string[];
  /** Where the project lives: a folder, else the organization. */
  readonly parent: { readonly folderId: string } | { readonly orgId: string };
  /** The main registry first, then the extras. */
  readonly registries: readonly RegistrySpec[];
  /** The cleanup policy of every registry. */
  readonly cleanup: Cleanup;
  /** Project roles whose whole binding the program owns (see the file's `authoritativeProjectRoles`). */
  readonly authoritativeProjectRoles: readonly string[];
  /** Bucket names: `main` for people, `gcb` for Cloud Build. */
  readonly buckets: { readonly main: string; readonly gcb: string };
  /** Age in days at which bucket objects are deleted. */
  readonly bucketObjectAgeDays: number;
  /** Email of the per-project `gcb-image-builder` account. */
  readonly imageBuilderEmail: string;
  /** The optional prow builder account. */
  readonly gcbBuilder?: GcbBuilderSpec;
  /** The writers group's members (declared only when the stack manages groups). */
  readonly groupMembers: readonly string[];
  /** The validated `dedicatedProject` section, for the rules that add its grants. */
  readonly source: DedicatedProjectFile;
}

/**
 * Derives a dedicated project's spec from its name, validated `dedicatedProject` section and the stack config.
 *
 * @param name the project name (validated)
 * @param file the file as shown in messages
 * @param source the validated `dedicatedProject` section
 * @param config the stack config
 * @returns the spec
 */
export function deriveProjectSpec(name: string, file: string, source: DedicatedProjectFile, config: StackConfig): StagingProjectSpec {
  const projectId = `${PROJECT_ID_PREFIX}${name}`;
  const main = { location: config.registryLocation, repositoryId: config.registryRepositoryId };
  const registries = [main, ...(source.registries ?? [])].map(({ location, repositoryId }) => ({
    location,
    repositoryId,
    address: registryAddress(projectId, location, repositoryId),
    key: `registry/${location}/${repositoryId}`,
    ...(isGcrCompatible(repositoryId) ? { adoptFrom: repositoryName(projectId, location, repositoryId) } : {}),
  }));
  const folderId = source.folderId ?? config.folderId;
  const gcbBuilder = source.gcbBuilder && {
    accountId: `gcb-builder-${name}`,
    email: serviceAccountEmail(`gcb-builder-${name}`, projectId),
    workloadIdentityMember: `serviceAccount:${source.gcbBuilder.prowProject}.svc.id.goog[${config.prowPodNamespace}/gcb-builder-${name}]`,
  };
  return {
    name,
    file,
    projectId,
    writersGroup: `k8s-infra-staging-${name}@${config.domain}`,
    apis: [...config.apis, ...(source.apis ?? [])],
    parent: folderId ? { folderId } : { orgId: config.organizationId },
    registries,
    cleanup: source.cleanup ?? "delete",
    authoritativeProjectRoles: source.authoritativeProjectRoles ?? [],
    buckets: { main: projectId, gcb: `${projectId}-gcb` },
    bucketObjectAgeDays: source.bucketObjectAgeDays ?? config.bucketObjectAgeDays,
    imageBuilderEmail: serviceAccountEmail("gcb-image-builder", projectId),
    ...(gcbBuilder ? { gcbBuilder } : {}),
    groupMembers: source.groupMembers ?? [],
    source,
  };
}

/**
 * The image address of a registry: `gcr.io/<project>` for the GCR-compatible repository ids (`gcr.io`,
 * `us.gcr.io`, `eu.gcr.io`, `asia.gcr.io`), `<location>-docker.pkg.dev/<project>/<id>` for the others.
 *
 * @param projectId the owning project
 * @param location the repository's location
 * @param repositoryId the repository id
 * @returns the address images are pushed to
 */
export function registryAddress(projectId: string, location: string, repositoryId: string): string {
  return isGcrCompatible(repositoryId) ? `${repositoryId}/${projectId}` : `${location}-docker.pkg.dev/${projectId}/${repositoryId}`;
}

/**
 * The full name of an Artifact Registry repository, as its import id and IAM resource names use it.
 *
 * @param projectId the owning project
 * @param location the repository's location
 * @param repositoryId the repository id
 * @returns `projects/<project>/locations/<location>/repositories/<id>`
 */
export function repositoryName(projectId: string, location: string, repositoryId: string): string {
  return `projects/${projectId}/locations/${location}/repositories/${repositoryId}`;
}

function isGcrCompatible(repositoryId: string): boolean {
  return /^((us|eu|asia)\.)?gcr\.io$/.test(repositoryId);
}

/**
 * The email of a user-managed service account.
 *
 * @param accountId the account id
 * @param projectId the owning project
 * @returns `<accountId>@<projectId>.iam.gserviceaccount.com`
 */
export function serviceAccountEmail(accountId: string, projectId: string): string {
  return `${accountId}@${projectId}.iam.gserviceaccount.com`;
}
