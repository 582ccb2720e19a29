import { PROJECT_ID_PREFIX } from "../projects/project-name";
import { serviceAccountEmail } from "../projects/staging-project-spec";
import type { StackConfig } from "../stack-config/stack-config-schema";

/**
 * Who approves image promotions when no GitHub user is named: the SIG K8s Infra leads alias, the same group
 * that approves the top of kubernetes/k8s.io's `registry.k8s.io/images/`. An OWNERS file must never be empty,
 * and an alias outlives any single person.
 */
export const DEFAULT_APPROVER = "sig-k8s-infra-leads";

/** A GitHub login: 1–39 alphanumerics or single hyphens, not starting or ending with a hyphen. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** Choices for {@link promotionFiles}. */
export interface PromotionFilesOptions {
  /** The staging registry images are promoted from, e.g. `us-central1-docker.pkg.dev/k8s-staging-images/my-tool`. */
  readonly source: string;
  /** Who may push to the source, as an IAM member, for the manifest's header comment. */
  readonly writers: string;
  /** GitHub logins (or OWNERS aliases) who approve `images.yaml` changes; {@link DEFAULT_APPROVER} when empty. */
  readonly approvers?: readonly string[];
  /**
   * Path prefixes below each production registry where the images land; `[name]` when omitted, `""` for the
   * registry root (only the release projects `kubernetes` and `etcd` promote there).
   */
  readonly imagePaths?: readonly string[];
  /** The text of `images.yaml`; `# No images yet` when omitted. */
  readonly imagesYaml?: string;
}

/**
 * Checks a GitHub login for OWNERS.
 *
 * @param login e.g. `octocat`
 * @returns what is wrong with it, or `undefined` when it is valid
 */
export function githubLoginProblem(login: string): string | undefined {
  return GITHUB_LOGIN.test(login)
    ? undefined
    : `"${login}" is not a GitHub user name (1-39 letters, digits or single hyphens, not at either end)`;
}

/**
 * The three promotion files of a staging project, keyed by their path relative to the repository root:
 * `images/k8s-staging-<name>/OWNERS`, `images/k8s-staging-<name>/images.yaml` and
 * `manifests/k8s-staging-<name>/promoter-manifest.yaml` (source: the given staging registry; destinations: every
 * production registry of the stack config, each with the promoter account).
 *
 * @param name a valid project name
 * @param config the stack config
 * @param options the source registry and its writers, approvers, image paths, initial images
 * @returns relative path → file text, in the order above
 * @example promotionFiles("kind", config, { source: "gcr.io/k8s-staging-kind", writers: "group:k8s-infra-staging-kind@kubernetes.io" })
 */
export function promotionFiles(name: string, config: StackConfig, options: PromotionFilesOptions): Map<string, string> {
  const projectId = `${PROJECT_ID_PREFIX}${name}`;
  const approvers = options.approvers && options.approvers.length > 0 ? options.approvers : [DEFAULT_APPROVER];
  return new Map([
    [`images/${projectId}/OWNERS`, ownersText(approvers)],
    [`images/${projectId}/images.yaml`, options.imagesYaml ?? "# No images yet\n"],
    [`manifests/${projectId}/promoter-manifest.yaml`, manifestText(options, config, options.imagePaths ?? [name])],
  ]);
}

function ownersText(approvers: readonly string[]): string {
  return [
    "# See the OWNERS docs at https://go.k8s.io/owners",
    "# They approve changes to images.yaml, i.e. what is promoted to production.",
    "approvers:",
    ...approvers.map((approver) => `  - ${approver}`),
    "",
  ].join("\n");
}

function manifestText({ source, writers }: PromotionFilesOptions, config: StackConfig, imagePaths: readonly string[]): string {
  const promoter = serviceAccountEmail(config.promoterAccountId, config.promoterProject);
  const lines = [
    `# ${writers} may push to ${source}`,
    "# Set up once by `npm run new-project`; changes here need an infrastructure admin's review.",
    "registries:",
    `- name: ${source}`,
    "  src: true",
  ];
  for (const path of imagePaths) {
    for (const registry of config.productionRegistries) {
      lines.push(`- name: ${path === "" ? registry.address : `${registry.address}/${path}`}`, `  service-account: ${promoter}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
