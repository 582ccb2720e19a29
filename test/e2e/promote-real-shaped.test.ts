/**
 * End-to-end, the "done when" check of the promotion issue: a real-shaped thin-manifest tree (several
 * projects, multi-arch images, a blank images.yaml, signatures, two destination registries with k8s.io-like
 * path prefixes) is promoted; every destination tag then resolves to the exact source digest, and a rerun makes
 * no write request.
 */
import { EXIT } from "../../lib/cli/promote";
import { digestOf, listTags, pushSignature, startRegistry, type HarnessRegistry } from "../harness";
import { writePromotionTree, type TreeProject } from "../harness/promotion-tree";
import { expectExitCode, loggedRequests, runPromote, writeRequestsSince } from "./fixtures/promote-run";
import { stageImage, stageIndex } from "./fixtures/staged-images";

let staging: HarnessRegistry;
let prodUs: HarnessRegistry;
let prodEu: HarnessRegistry;

beforeAll(async () => {
  [staging, prodUs, prodEu] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([staging?.dispose(), prodUs?.dispose(), prodEu?.dispose()]);
});

/** Destination repository → (tag → the digest it must resolve to). */
type Expected = Map<string, Map<string, string>>;

function expectTag(expected: Expected, repository: string, tag: string, digest: string): void {
  const tags = expected.get(repository) ?? new Map<string, string>();
  tags.set(tag, digest);
  expected.set(repository, tags);
}

test("a real-shaped tree: every destination tag resolves to its source digest; a rerun writes nothing", async () => {
  const stage = (project: string, image: string, seed: string) =>
    stageIndex(`${staging.host}/${project}/${image}:staged-${seed}`, `${project}/${image}/${seed}`);
  const [controllerOld, controllerNew, webhook, ciTool, kubepkg] = await Promise.all([
    stage("k8s-staging-widgets", "controller", "v1.9.0"),
    stage("k8s-staging-widgets", "controller", "v1.10.0"),
    stage("k8s-staging-widgets", "webhook", "v1.10.0"),
    stage("k8s-staging-releng", "ci/tools/builder", "v0.3.0"),
    stageImage(`${staging.host}/k8s-staging-releng/kubepkg:staged`, "k8s-staging-releng/kubepkg"),
  ]);
  const signature = await pushSignature(`${staging.host}/k8s-staging-widgets/controller`, controllerNew.digest);

  const projects: TreeProject[] = [
    {
      name: "k8s-staging-widgets",
      source: `${staging.host}/k8s-staging-widgets`,
      destinations: [`${prodUs.host}/k8s-artifacts-prod/images/widgets`, `${prodEu.host}/k8s-artifacts-prod/widgets`],
      images: [
        { name: "controller", dmap: { [controllerOld.digest]: ["v1.9.0"], [controllerNew.digest]: ["v1.10.0", "v1.10", "latest"] } },
        { name: "webhook", dmap: { [webhook.digest]: ["v1.10.0"] } },
      ],
    },
    {
      name: "k8s-staging-releng",
      source: `${staging.host}/k8s-staging-releng`,
      destinations: [`${prodUs.host}/k8s-artifacts-prod/images/releng`, `${prodEu.host}/k8s-artifacts-prod/releng`],
      images: [
        { name: "ci/tools/builder", dmap: { [ciTool.digest]: ["v0.3.0"] } },
        { name: "kubepkg", dmap: { [kubepkg.digest]: ["v0.1.0", "v20201103-v0.5.0-63-ga247d79"] } },
      ],
    },
    { name: "k8s-staging-newcomer", source: `${staging.host}/k8s-staging-newcomer`, destinations: [`${prodUs.host}/k8s-artifacts-prod/images/newcomer`], images: [] },
  ];
  const tree = await writePromotionTree(projects);

  const expected: Expected = new Map();
  for (const project of projects) {
    for (const destination of project.destinations) {
      for (const image of project.images) {
        for (const [digest, tags] of Object.entries(image.dmap)) {
          for (const tag of tags) expectTag(expected, `${destination}/${image.name}`, tag, digest);
        }
      }
    }
  }
  // The signature of the promoted controller digest travels with it to both destinations.
  for (const destination of projects[0]!.destinations) expectTag(expected, `${destination}/controller`, signature.tag, signature.digest);

  const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);
  expectExitCode(run, EXIT.ok);
  // 10 (destination, digest) images plus the signature in each of the two widgets destinations.
  expect(run.stdout).toContain("Promotion: 12 copied, 0 tagged, 0 skipped, 0 refused, 0 failed\nWritten: 12 images, 18 tags, ");

  for (const [repository, tags] of expected) {
    expect(await listTags(repository)).toEqual([...tags.keys()].sort());
    const resolved = await Promise.all([...tags.keys()].map(async (tag) => [tag, await digestOf(`${repository}:${tag}`)] as const));
    expect(new Map(resolved)).toEqual(tags);
  }

  const registries = [staging, prodUs, prodEu];
  const before = await Promise.all(registries.map(loggedRequests));
  const rerun = await runPromote(["--thin-manifest-dir", tree, "--confirm"]);
  expectExitCode(rerun, EXIT.ok);
  expect(rerun.stdout).toContain("Promotion: 0 copied, 0 tagged, 12 skipped, 0 refused, 0 failed\n");
  const writes = await Promise.all(registries.map((registry, position) => writeRequestsSince(registry, before[position]!.length)));
  expect(writes).toEqual([[], [], []]);
});
