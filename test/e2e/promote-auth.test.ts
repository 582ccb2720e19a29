/**
 * End-to-end: promotion between registries that require credentials, taken from a Docker config file
 * (`$DOCKER_CONFIG/config.json` `auths`): basic auth (htpasswd) and the Docker bearer-token flow.
 */
import { EXIT } from "../../lib/cli/promote";
import { listTags, startRegistry, startTokenServer, type HarnessRegistry, type TokenServer } from "../harness";
import { writePromotionTree } from "../harness/promotion-tree";
import { expectExitCode, runPromote, writeDockerConfig } from "./fixtures/promote-run";
import { expectSameImage, stageIndex } from "./fixtures/staged-images";

const promoter = { username: "promoter", password: "s3cret-pass" };

describe("basic auth (htpasswd registries)", () => {
  let staging: HarnessRegistry;
  let prod: HarnessRegistry;

  beforeAll(async () => {
    const auth = { kind: "basic", users: [promoter] } as const;
    [staging, prod] = await Promise.all([startRegistry({ auth }), startRegistry({ auth })]);
  });
  afterAll(async () => {
    await Promise.all([staging?.dispose(), prod?.dispose()]);
  });

  test("with credentials in config.json the image is promoted", async () => {
    const index = await stageIndex(`${staging.host}/basic/app:staged`, "basic-auth", promoter);
    const tree = await writePromotionTree([
      { name: "basic", source: `${staging.host}/basic`, destinations: [`${prod.host}/basic`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
    ]);
    const dockerConfig = await writeDockerConfig({ [staging.host]: promoter, [prod.host]: promoter });

    expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"], dockerConfig), EXIT.ok);

    await expectSameImage(`${prod.host}/basic/app:v1`, index, promoter);
    expect(await listTags(`${prod.host}/basic/app`, { credentials: promoter })).toEqual(["v1"]);
  });

  test("with a wrong password (staging) and none (prod) the edge fails (exit 1), unwritten, password not shown", async () => {
    const index = await stageIndex(`${staging.host}/anon/app:staged`, "basic-anon", promoter);
    const tree = await writePromotionTree([
      { name: "anon", source: `${staging.host}/anon`, destinations: [`${prod.host}/anon`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
    ]);
    const wrongPassword = await writeDockerConfig({ [staging.host]: { ...promoter, password: "wrong-pass" } });

    const run = await runPromote(["--thin-manifest-dir", tree, "--confirm"], wrongPassword);

    expectExitCode(run, EXIT.failed);
    expect(run.stdout).toBe(
      `anon: valid; 0 copied, 0 tagged, 0 skipped, 0 refused, 1 failed\n` +
        `  FAILED ${prod.host}/anon/app@${index.digest}: cannot read ${prod.host}/anon/app: ` +
        `HEAD http://${prod.host}/v2/anon/app/manifests/v1: 401 UNAUTHORIZED: authentication required (Basic)\n` +
        "Projects: 1 valid, 0 with warnings, 0 invalid\n" +
        `Promotion: 0 copied, 0 tagged, 0 skipped, 0 refused, 1 failed\n` +
        `Written: 0 images, 0 tags, 0 B uploaded, 0 blobs mounted\n`,
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain("wrong-pass");
    await expect(listTags(`${prod.host}/anon/app`, { credentials: promoter })).rejects.toThrow(/404 \(Not Found\)/);
  });
});

describe("token auth (Docker bearer-token flow)", () => {
  let tokens: TokenServer;
  let staging: HarnessRegistry;
  let prod: HarnessRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer({ users: [promoter] });
    const auth = { kind: "token", authority: tokens.authority } as const;
    [staging, prod] = await Promise.all([startRegistry({ auth }), startRegistry({ auth })]);
  });
  afterAll(async () => {
    await Promise.all([staging?.dispose(), prod?.dispose()]);
    await tokens?.stop();
  });

  test("tokens are fetched with the config.json credentials and the image is promoted", async () => {
    const index = await stageIndex(`${staging.host}/token/app:staged`, "token-auth", promoter);
    const tree = await writePromotionTree([
      { name: "token", source: `${staging.host}/token`, destinations: [`${prod.host}/token/mirror`], images: [{ name: "app", dmap: { [index.digest]: ["v1"] } }] },
    ]);
    const dockerConfig = await writeDockerConfig({ [staging.host]: promoter, [prod.host]: promoter });
    const before = tokens.requests.length;

    expectExitCode(await runPromote(["--thin-manifest-dir", tree, "--confirm"], dockerConfig), EXIT.ok);

    await expectSameImage(`${prod.host}/token/mirror/app:v1`, index, promoter);
    const asked = tokens.requests.slice(before);
    expect(asked.every((request) => request.username === promoter.username && request.granted)).toBe(true);
    expect(asked.flatMap((request) => request.scopes)).toContainEqual(expect.stringMatching(/^repository:token\/mirror\/app:.*push/));
  });
});
