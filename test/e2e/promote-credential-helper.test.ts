/**
 * End-to-end: registries whose credentials only a Docker credential helper knows (`credHelpers`, `credsStore`
 * in `$DOCKER_CONFIG/config.json`, no `auths` entry). The helper is a small script on PATH.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../../lib/cli/promote";
import { listTags, startRegistry, type HarnessRegistry } from "../harness";
import { writeCredentialHelper, type WrittenCredentialHelper } from "../harness/credential-helper";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, runPromote } from "./fixtures/promote-run";
import { expectSameImage, stageIndex } from "./fixtures/staged-images";

const promoter = { username: "promoter", password: "helper-only-s3cret" };

describe("promotion with credentials from a credential helper", () => {
  let staging: HarnessRegistry;
  let prod: HarnessRegistry;
  let helper: WrittenCredentialHelper;
  let configDir: string;
  const path = process.env.PATH;

  beforeAll(async () => {
    const auth = { kind: "basic", users: [promoter] } as const;
    [staging, prod] = await Promise.all([startRegistry({ auth }), startRegistry({ auth })]);
    helper = await writeCredentialHelper("k8stest", {
      [staging.host]: { username: promoter.username, secret: promoter.password },
      [prod.host]: { username: promoter.username, secret: promoter.password },
    });
    configDir = await mkdtemp(join(tmpdir(), "promote-e2e-helper-config-"));
    process.env.PATH = `${helper.binDir}:${path}`;
  });
  afterAll(async () => {
    process.env.PATH = path;
    await Promise.all([staging?.dispose(), prod?.dispose(), rm(configDir, { recursive: true, force: true }), rm(helper.binDir, { recursive: true, force: true })]);
  });

  test.each([
    ["credHelpers", (hosts: string[]) => ({ credHelpers: Object.fromEntries(hosts.map((host) => [host, "k8stest"])) })],
    ["credsStore", () => ({ credsStore: "k8stest", auths: {} })],
  ])("%s: the image is promoted, the helper asked per host, the secret never printed", async (kind, config) => {
    const project = kind.toLowerCase();
    const index = await stageIndex(`${staging.host}/${project}/app:staged`, `helper-${kind}`, promoter);
    const tree = await writePromotionTree([
      { name: project, source: `${staging.host}/${project}`, destinations: [`${prod.host}/${project}`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
    ]);
    await writeFile(join(configDir, "config.json"), JSON.stringify(config([staging.host, prod.host])));
    const before = (await helper.calls()).length;

    const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"], configDir);

    expectExitCode(run, EXIT.ok);
    await expectSameImage(`${prod.host}/${project}/app:v1`, index, promoter);
    expect(await listTags(`${prod.host}/${project}/app`, { credentials: promoter })).toEqual(["v1"]);
    expect([...new Set((await helper.calls()).slice(before))].sort()).toEqual([`get ${prod.host}`, `get ${staging.host}`].sort());
    expect(`${run.stdout}${run.stderr}`).not.toContain(promoter.password);
  });

  test("without the helper on PATH the registry cannot be read: the edge fails, naming the helper", async () => {
    const index = await stageIndex(`${staging.host}/nohelper/app:staged`, "helper-missing", promoter);
    const tree = await writePromotionTree([
      { name: "nohelper", source: `${staging.host}/nohelper`, destinations: [`${prod.host}/nohelper`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
    ]);
    await writeFile(join(configDir, "config.json"), JSON.stringify({ credHelpers: { [staging.host]: "k8smissing", [prod.host]: "k8smissing" } }));

    const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"], configDir);

    expectExitCode(run, EXIT.failed);
    expect(run.stdout).toContain("docker-credential-k8smissing not found on PATH");
  });
});
