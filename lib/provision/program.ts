import { join } from "node:path";
import { dedicatedProjects, loadProjects, sharedRegistries, type StagingEntry } from "../projects/load-projects";
import { loadStackConfig } from "../stack-config/load-stack-config";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { Promoter } from "./promoter";
import { SharedRegistry } from "./shared-registry";
import { SharedStagingProject } from "./shared-staging-project";
import { StagingProject } from "./staging-project";

/** Where the program reads its input. */
export interface ProgramInputs {
  /** The projects directory, e.g. `projects`. */
  readonly projectsDir: string;
  /** `Pulumi.yaml`, for the config declarations and defaults. */
  readonly projectFile: string;
  /** `Pulumi.<stack>.yaml`, for the stack's values. */
  readonly stackFile: string;
}

/** The stack outputs of one shared registry. */
export interface RegistryOutputs {
  /** Where images are pushed, e.g. `us-central1-docker.pkg.dev/k8s-staging-images/kueue`. */
  readonly address: string;
  /** Who may push. */
  readonly writers: string;
  /** The registry's build account. */
  readonly buildAccount: string;
}

/** The stack outputs of one dedicated staging project. */
export interface ProjectOutputs {
  /** The GCP project id. */
  readonly projectId: unknown;
  /** Where images are pushed, e.g. `gcr.io/k8s-staging-kind`. */
  readonly registry: string;
  /** Bucket names. */
  readonly buckets: { readonly main: unknown; readonly gcb: unknown };
  /** The writers group's email. */
  readonly group: string;
}

/** The stack outputs. */
export interface StackOutputs {
  /** The shared staging project's id. */
  readonly sharedProject: unknown;
  /** Per shared registry name. */
  readonly registries: Record<string, RegistryOutputs>;
  /** Per dedicated project name. */
  readonly projects: Record<string, ProjectOutputs>;
  /** The promoter accounts' emails. */
  readonly promoters: readonly string[];
}

/**
 * The default inputs of a stack: `projects/`, `Pulumi.yaml` and `Pulumi.<stack>.yaml` in `dir`.
 *
 * @param stack the stack name, e.g. `prod`
 * @param dir the program directory
 * @returns the inputs
 */
export function defaultProgramInputs(stack: string, dir = "."): ProgramInputs {
  return {
    projectsDir: join(dir, "projects"),
    projectFile: join(dir, "Pulumi.yaml"),
    stackFile: join(dir, `Pulumi.${stack}.yaml`),
  };
}

/**
 * Declares the promoter accounts, the shared staging project and its registries, and every dedicated project.
 * Call only with validated input: nothing here can fail on data, so a bad file never leaves a half-declared stack.
 *
 * @param config the stack config
 * @param entries the staging entries, from {@link loadProjects}
 * @returns the stack outputs
 */
export function declareStagingInfrastructure(config: StackConfig, entries: readonly StagingEntry[]): StackOutputs {
  const promoters = config.promoterAccounts.map((account) => new Promoter(`promoter/${account.accountId}`, { config, account }));
  const registries = sharedRegistries(entries);
  const shared = new SharedStagingProject(config.sharedProject, { config, registries });
  const registryOutputs: Record<string, RegistryOutputs> = {};
  for (const registry of registries) {
    const component = new SharedRegistry(`${config.sharedProject}/${registry.name}`, { registry, config, project: shared });
    registryOutputs[registry.name] = { address: component.address, writers: registry.writers, buildAccount: component.buildAccount };
  }
  const projectOutputs: Record<string, ProjectOutputs> = {};
  for (const project of dedicatedProjects(entries)) {
    const component = new StagingProject(project.spec.projectId, { project, config });
    projectOutputs[project.spec.name] = {
      projectId: component.projectId,
      registry: component.registry,
      buckets: component.buckets,
      group: component.group,
    };
  }
  return {
    sharedProject: shared.projectId,
    registries: registryOutputs,
    projects: projectOutputs,
    promoters: promoters.map((promoter) => promoter.email),
  };
}

/**
 * The whole program: validate the stack config and every project file (all problems at once), then declare.
 *
 * @param inputs where to read
 * @returns the stack outputs
 * @throws InvalidInputError before any resource is declared when any input is invalid
 * @example export = () => runStagingProgram(defaultProgramInputs(pulumi.getStack()));
 */
export async function runStagingProgram(inputs: ProgramInputs): Promise<StackOutputs> {
  const { config, entries } = await loadStagingInputs(inputs);
  return declareStagingInfrastructure(config, entries);
}

/**
 * Reads and validates the program's input: the stack config, then every project file.
 *
 * @param inputs where to read
 * @returns the config and the staging entries, sorted by name
 * @throws InvalidInputError with every problem (stack config problems first: projects need a valid config)
 */
export async function loadStagingInputs(
  inputs: ProgramInputs,
): Promise<{ config: StackConfig; entries: StagingEntry[] }> {
  const config = await loadStackConfig(inputs.projectFile, inputs.stackFile);
  return { config, entries: await loadProjects(inputs.projectsDir, config) };
}
