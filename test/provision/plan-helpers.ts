import { readFileSync } from "node:fs";
import { planProgram, type PlannedResource } from "../../lib/plan/plan-program";
import { parseProjects } from "../../lib/projects/load-projects";
import { declareStagingInfrastructure } from "../../lib/provision/program";
import { parseStackConfig } from "../../lib/stack-config/load-stack-config";
import type { StackConfig } from "../../lib/stack-config/stack-config-schema";

/** The real prod stack config. */
export const prodConfig: StackConfig = parseStackConfig(
  { file: "Pulumi.yaml", text: readFileSync("Pulumi.yaml", "utf8") },
  { file: "Pulumi.prod.yaml", text: readFileSync("Pulumi.prod.yaml", "utf8") },
);

/** A project file declaring only a dedicated project, with `section` (YAML) indented under it. */
export function dedicated(section = ""): string {
  return section.trim() === "" ? "dedicatedProject: {}\n" : `dedicatedProject:\n${section.replace(/^(?=.)/gm, "  ")}`;
}

/** Plans the program for in-memory project files (name → text). */
export async function planProjects(
  files: Record<string, string>,
  config: StackConfig = prodConfig,
): Promise<readonly PlannedResource[]> {
  const projects = parseProjects(
    Object.entries(files).map(([name, text]) => ({ file: `projects/${name}.yaml`, name, text })),
    config,
  );
  return (await planProgram(async () => declareStagingInfrastructure(config, projects))).resources;
}

/**
 * One IAM grant as `<target> <role> <member>`, read back from a planned resource's inputs; an authoritative
 * binding as `<target> <role> = [<members>]`.
 */
export function grantOf(resource: PlannedResource): string | undefined {
  const inputs = resource.inputs as Record<string, string>;
  const members = `= [${((resource.inputs["members"] ?? []) as string[]).join(", ")}]`;
  switch (resource.type) {
    case "gcp:projects/iAMBinding:IAMBinding":
      return `project ${inputs["project"]} ${inputs["role"]} ${members}`;
    case "gcp:serviceaccount/iAMBinding:IAMBinding":
      return `sa ${inputs["serviceAccountId"]} ${inputs["role"]} ${members}`;
    case "gcp:projects/iAMMember:IAMMember":
      return `project ${inputs["project"]} ${inputs["role"]} ${inputs["member"]}`;
    case "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember":
      return `registry ${inputs["project"]}/${inputs["location"]}/${inputs["repository"]} ${inputs["role"]} ${inputs["member"]}`;
    case "gcp:storage/bucketIAMMember:BucketIAMMember":
      return `bucket ${inputs["bucket"]} ${inputs["role"]} ${inputs["member"]}`;
    case "gcp:serviceaccount/iAMMember:IAMMember":
      return `sa ${inputs["serviceAccountId"]} ${inputs["role"]} ${inputs["member"]}`;
    default:
      return undefined;
  }
}

/** The grants among `resources` whose parent is `parent`, sorted. */
export function grantsOf(resources: readonly PlannedResource[], parent: string): string[] {
  return resources
    .filter((r) => r.parent === parent)
    .map(grantOf)
    .filter((g): g is string => g !== undefined)
    .sort();
}

/** The non-grant children of `parent` as `<type> <name>`, sorted. */
export function nonGrantChildrenOf(resources: readonly PlannedResource[], parent: string): string[] {
  return resources
    .filter((r) => r.parent === parent && grantOf(r) === undefined)
    .map((r) => `${r.type} ${r.name}`)
    .sort();
}
