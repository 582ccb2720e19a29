import type { StackConfig } from "../stack-config/stack-config-schema";
import type { Cleanup, SharedRegistryFile } from "./project-schema";
import { registryAddress, repositoryName, serviceAccountEmail } from "./staging-project-spec";

/** How many characters of a registry name its build account id keeps (k8s.io: `substr(name, 0, 27)`). */
export const BUILD_ACCOUNT_NAME_CHARS = 27;

/** A shared registry's own build service account. */
export interface BuildAccountSpec {
  /** `<name>[0:27]-sa`. */
  readonly accountId: string;
  /** Its email in the shared project. */
  readonly email: string;
  /** Its full resource name, `projects/<shared project>/serviceAccounts/<email>`. */
  readonly resourceName: string;
  /** `Build SA for <name>`, as k8s.io names it. */
  readonly displayName: string;
  /** The prow pod identity that builds as it: `principal://…/subject/ns/<namespace>/sa/<name>`. */
  readonly podPrincipal: string;
}

/** Everything one repository of the shared staging project gets, derived from its file and the stack config. */
export interface SharedRegistrySpec {
  /** The registry name, the base name of its file, e.g. `kueue`; also its repository id. */
  readonly name: string;
  /** The file as shown in messages, e.g. `projects/kueue.yaml`. */
  readonly file: string;
  /** The shared project, e.g. `k8s-staging-images`. */
  readonly projectId: string;
  /** e.g. `us-central1`. */
  readonly location: string;
  /** Where images are pushed, e.g. `us-central1-docker.pkg.dev/k8s-staging-images/kueue`. */
  readonly address: string;
  /** `projects/<project>/locations/<location>/repositories/<name>`. */
  readonly repositoryName: string;
  /** The IAM member that may push (`roles/artifactregistry.writer`) and sees the shared project. */
  readonly writers: string;
  /** The repository's cleanup policy. */
  readonly cleanup: Cleanup;
  /** The registry's build account. */
  readonly buildAccount: BuildAccountSpec;
}

/**
 * Derives a shared registry's spec from its name, validated `sharedRegistry` section and the stack config.
 *
 * @param name the registry name (validated)
 * @param file the file as shown in messages
 * @param source the validated `sharedRegistry` section
 * @param config the stack config
 * @returns the spec
 * @example deriveSharedRegistrySpec("kueue", "projects/kueue.yaml", {}, config).address
 * // → "us-central1-docker.pkg.dev/k8s-staging-images/kueue"
 */
export function deriveSharedRegistrySpec(
  name: string,
  file: string,
  source: SharedRegistryFile,
  config: StackConfig,
): SharedRegistrySpec {
  const projectId = config.sharedProject;
  const accountId = `${name.slice(0, BUILD_ACCOUNT_NAME_CHARS)}-sa`;
  const email = serviceAccountEmail(accountId, projectId);
  return {
    name,
    file,
    projectId,
    location: config.sharedRegistryLocation,
    address: registryAddress(projectId, config.sharedRegistryLocation, name),
    repositoryName: repositoryName(projectId, config.sharedRegistryLocation, name),
    writers: source.writers ?? `group:k8s-infra-staging-${name}@${config.domain}`,
    cleanup: source.cleanup ?? "delete",
    buildAccount: {
      accountId,
      email,
      resourceName: `projects/${projectId}/serviceAccounts/${email}`,
      displayName: `Build SA for ${name}`,
      podPrincipal: prowPodPrincipal(config, name),
    },
  };
}

/**
 * The Workload Identity Federation principal of a prow pod running as a Kubernetes service account of the
 * stack's pod namespace in the trusted build cluster.
 *
 * @param config the stack config (pool and namespace)
 * @param kubernetesServiceAccount the pod's service account, e.g. `kueue`
 * @param namespace the pod's namespace; the stack's `prowPodNamespace` when omitted
 * @returns `principal://iam.googleapis.com/<pool>/subject/ns/<namespace>/sa/<name>`
 */
export function prowPodPrincipal(config: StackConfig, kubernetesServiceAccount: string, namespace = config.prowPodNamespace): string {
  return `principal://iam.googleapis.com/${config.prowWorkloadIdentityPool}/subject/ns/${namespace}/sa/${kubernetesServiceAccount}`;
}
