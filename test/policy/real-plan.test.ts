import * as pulumi from "@pulumi/pulumi";
import { planProgram } from "../../lib/plan/plan-program";
import { declareStagingInfrastructure, defaultProgramInputs, loadStagingInputs } from "../../lib/provision/program";
import { stagingPolicies } from "../../policy/policies";
import { stagingMembers } from "../../policy/staging-members";
import { allViolationsOf, componentUrn, violationsOf, type SampleResource } from "./validation-args";

/**
 * Every shipped project through every policy, as `pulumi preview --policy-pack policy` would run them: the
 * resources the real program declares, with their inputs, parent URN and protect option.
 */
async function plannedSamples(): Promise<SampleResource[]> {
  const { config, entries } = await loadStagingInputs(defaultProgramInputs("prod"));
  const protectedNames = new Set<string>();
  const plan = await planProgram(async () => {
    // The plan JSON has no resource options, so the protect option is read here, as the engine sees it.
    pulumi.runtime.registerStackTransformation(({ name, opts }) => {
      if (opts.protect === true) protectedNames.add(name);
      return undefined;
    });
    return declareStagingInfrastructure(config, entries);
  });
  const typeOf = new Map(plan.resources.map((resource) => [resource.name, resource.type]));
  return plan.resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    props: resource.inputs,
    protect: protectedNames.has(resource.name),
    ...(resource.parent ? { parentUrn: componentUrn(typeOf.get(resource.parent)!, resource.parent) } : {}),
  }));
}

let samples: SampleResource[];
beforeAll(async () => {
  samples = await plannedSamples();
});

test("the shipped projects and stack config violate no policy", async () => {
  const byType = (type: string) => samples.filter((sample) => sample.type === type);
  // The policies really saw what they guard: 82 dedicated projects and the shared one, their buckets, 123
  // repositories (82 gcr.io, test-infra's images, 40 shared), the promoter accounts, thousands of grants.
  expect(byType("gcp:organizations/project:Project")).toHaveLength(83);
  expect(byType("gcp:storage/bucket:Bucket")).toHaveLength(165);
  expect(byType("gcp:artifactregistry/repository:Repository")).toHaveLength(123);
  expect(samples.filter((sample) => sample.protect).length).toBe(83 + 165 + 123 + 2);
  expect(samples.filter((sample) => /I(am|AM)Member$/.test(sample.type)).length).toBeGreaterThan(2000);
  expect(await allViolationsOf(stagingPolicies, samples)).toEqual([]);
});

test("the same run catches a project file that grants outside the allow-list", async () => {
  const grant = samples.find(
    (sample) =>
      sample.type === "gcp:projects/iAMMember:IAMMember" &&
      sample.props["project"] === "k8s-staging-kind" &&
      sample.props["role"] === "roles/viewer" &&
      sample.props["member"] === "group:k8s-infra-staging-kind@kubernetes.io",
  );
  expect(grant).toBeDefined();
  const tampered = { ...grant!, props: { ...grant!.props, member: "user:mallory@example.com" } };
  expect(await violationsOf(stagingMembers, tampered)).toEqual([
    "user:mallory@example.com must not get roles/viewer in k8s-staging-kind: only the project's writers group and service accounts, the admin groups and the allowed service accounts of the policy config may",
  ]);
});
