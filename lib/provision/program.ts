import { join } from "node:path";
import { loadProjects, type LoadedProject } from "../projects/load-projects";
import { loadStackConfig } from "../stack-config/load-stack-config";
import type { StackConfig } from "../stack-config/stack-config-schema";
import { Promoter } from "./promoter";
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

/** The stack outputs of one staging project. */
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
  /** Per project name. */
  readonly projects: Record<string, ProjectOutputs>;
  /** The promoter account's email. */
  readonly promoter: string;
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
 * Declares every staging project and the promoter. Call only with validated input: nothing here can fail on
 * data, so a bad file never leaves a half-declared stack.
 *
 * @param config the stack config
 * @param projects the projects
 * @returns the stack outputs
 */
export function declareStagingInfrastructure(config: StackConfig, projects: readonly LoadedProject[]): StackOutputs {
  const promoter = new Promoter("promoter", { config });
  const outputs: Record<string, ProjectOutputs> = {};
  for (const project of projects) {
    const component = new StagingProject(project.spec.projectId, { project, config });
    outputs[project.spec.name] = {
      projectId: component.projectId,
      registry: component.registry,
      buckets: component.buckets,
      group: component.group,
    };
  }
  return { projects: outputs, promoter: promoter.email };
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
  const { config, projects } = await loadStagingInputs(inputs);
  return declareStagingInfrastructure(config, projects);
}

/**
 * Reads and validates the program's input: the stack config, then every project file.
 *
 * @param inputs where to read
 * @returns the config and the projects, sorted by name
 * @throws InvalidInputError with every problem (stack config problems first: projects need a valid config)
 */
export async function loadStagingInputs(
  inputs: ProgramInputs,
): Promise<{ config: StackConfig; projects: LoadedProject[] }> {
  const config = await loadStackConfig(inputs.projectFile, inputs.stackFile);
  return { config, projects: await loadProjects(inputs.projectsDir, config) };
}
