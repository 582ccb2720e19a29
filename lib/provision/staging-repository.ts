import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { Cleanup } from "../projects/project-schema";

/** The label that marks a staging repository whose file opted out of cleanup (`cleanup: none`). */
export const CLEANUP_OPT_OUT_LABEL = { "cleanup-policy": "none" } as const;

/** What every staging repository is, of either kind. */
export interface StagingRepositoryArgs {
  /** The owning project (id or output). */
  readonly project: pulumi.Input<string>;
  /** Region or multi-region. */
  readonly location: string;
  /** Repository id. */
  readonly repositoryId: string;
  /** What its cleanup policy does: delete, only log (`dry-run`), or nothing (`none`). */
  readonly cleanup: Cleanup;
  /** Images older than this many days are what the cleanup policy deletes. */
  readonly cleanupOlderThanDays: number;
  /** Labels besides the cleanup opt-out label. */
  readonly labels?: Readonly<Record<string, string>>;
  /** A description, when the repository has one. */
  readonly description?: string;
}

/**
 * Declares one staging repository, the same way for both kinds of staging: a Docker repository, protected from
 * deletion, vulnerability scanning disabled explicitly (k8s.io#1963: its cost), and a cleanup policy that deletes
 * images older than the configured age — or only logs what it would delete (`dry-run`), or none at all with the
 * opt-out label (`none`), so that an opt-out is visible on the resource.
 *
 * @param name the logical name
 * @param args the repository
 * @param opts resource options (parent, dependsOn, import); `protect` is always set
 * @returns the repository
 * @example declareStagingRepository("k8s-staging-images/kueue/repository", { project, location: "us-central1", repositoryId: "kueue", cleanup: "delete", cleanupOlderThanDays: 90 }, { parent })
 */
export function declareStagingRepository(
  name: string,
  args: StagingRepositoryArgs,
  opts: pulumi.CustomResourceOptions,
): gcp.artifactregistry.Repository {
  const labels = { ...args.labels, ...(args.cleanup === "none" ? CLEANUP_OPT_OUT_LABEL : {}) };
  const seconds = args.cleanupOlderThanDays * 24 * 60 * 60;
  return new gcp.artifactregistry.Repository(
    name,
    {
      project: args.project,
      location: args.location,
      repositoryId: args.repositoryId,
      format: "DOCKER",
      ...(args.description ? { description: args.description } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      vulnerabilityScanningConfig: { enablementConfig: "DISABLED" },
      ...(args.cleanup === "none"
        ? {}
        : {
            cleanupPolicyDryRun: args.cleanup === "dry-run",
            cleanupPolicies: [
              {
                id: `delete-images-older-than-${args.cleanupOlderThanDays}-days`,
                action: "DELETE",
                condition: { olderThan: `${seconds}s` },
              },
            ],
          }),
    },
    { ...opts, protect: true },
  );
}
