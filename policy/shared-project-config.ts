import type { PolicyConfigSchema } from "@pulumi/policy";

/** The policy config of the policies about the shared staging project. */
export interface SharedProjectConfig {
  /** The shared staging project's id (the stack config's `sharedProject`). */
  readonly sharedProject: string;
}

/** The production value. */
export const PROD_SHARED_PROJECT: SharedProjectConfig = { sharedProject: "k8s-staging-images" };

/** The JSON schema of {@link SharedProjectConfig}, for `--policy-pack-config` validation. */
export const SHARED_PROJECT_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: { sharedProject: { type: "string", default: PROD_SHARED_PROJECT.sharedProject } },
};

/**
 * The effective config: the policy config's keys over the production default.
 *
 * @param configured what `args.getConfig()` returned
 * @returns the complete config
 * @throws Error when `sharedProject` is not a string
 */
export function sharedProjectConfig(configured: Partial<Record<keyof SharedProjectConfig, unknown>>): SharedProjectConfig {
  const config = { ...PROD_SHARED_PROJECT, ...configured };
  if (typeof config.sharedProject !== "string") throw new Error("policy config sharedProject: expected a string");
  return config as SharedProjectConfig;
}
