import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { CommandError, inspectRaw, listTags, seedLayout, startRegistry, writeImage, writeIndex, type HarnessRegistry } from "../harness";
import { spawnTracked } from "../harness/child-processes";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy";
import { writePromotionTree } from "../harness/promotion-tree";

const PROMOTE_CLI = join(__dirname, "../../lib/cli/promote.ts");

interface ManifestJson {
  manifests?: Array<{ digest: string }>;
  config?: { digest: string };
  layers?: Array<{ digest: string }>;
}

interface TaggedImage {
  /** `REPOSITORY:TAG`. */
  tag: string;
  /** The digest of the manifest the tag resolves to. */
  digest: string;
  /** Child manifests and blobs under it that the registry does not have. */
  missing: string[];
}

/** What is missing under a manifest: child manifests that skopeo cannot read and blobs the registry does not have. */
async function missingUnder(host: string, repository: string, manifest: ManifestJson): Promise<string[]> {
  const missing: string[] = [];
  for (const child of manifest.manifests ?? []) {
    try {
      const bytes = await inspectRaw(`${host}/${repository}@${child.digest}`);
      missing.push(...(await missingUnder(host, repository, JSON.parse(bytes.toString("utf8")) as ManifestJson)));
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      missing.push(`${repository}@${child.digest} (manifest)`);
    }
  }
  for (const blob of [manifest.config, ...(manifest.layers ?? [])]) {
    if (blob === undefined) continue;
    const answer = await fetch(`http://${host}/v2/${repository}/blobs/${blob.digest}`, { method: "HEAD" });
    if (answer.status !== 200) missing.push(`${repository}@${blob.digest} (blob, HEAD ${answer.status})`);
  }
  return missing;
}

/** Every tag of each repository (none when the repository does not exist yet), its digest, and what its image lacks. */
async function taggedImages(host: string, repositories: readonly string[]): Promise<TaggedImage[]> {
  const found: TaggedImage[] = [];
  for (const repository of repositories) {
    const tags = await listTags(`${host}/${repository}`).catch((error: unknown) => {
      if (error instanceof CommandError && /name unknown|invalid status code from registry 404/i.test(error.message)) return [];
      throw error;
    });
    for (const tag of tags) {
      const bytes = await inspectRaw(`${host}/${repository}:${tag}`);
      const missing = await missingUnder(host, repository, JSON.parse(bytes.toString("utf8")) as ManifestJson);
      found.push({ tag: `${repository}:${tag}`, digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, missing });
    }
  }
  return found;
}

describe("the promoter SIGKILLed mid-run", () => {
  let staging: HarnessRegistry;
  let production: HarnessRegistry;
  let proxy: FaultProxy | undefined;
  let child: ChildProcess | undefined;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-promoter-killed-"));
    [staging, production] = await Promise.all([startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    if (child?.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await proxy?.close();
    await Promise.all([staging?.dispose(), production?.dispose()]);
    await rm(scratch, { recursive: true, force: true });
  });

  test("no destination tag ever names an incomplete image, and a rerun completes the promotion", async () => {
    const layout = join(scratch, "layout");
    // Sizes differ so that images finish at different times and the kill finds some done, some half-copied.
    const images = [
      { name: "small", ...(await writeIndex(layout, "small", { seed: "pk-small", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 4096 }] })), tags: ["v1", "v1.0"] },
      { name: "big/one", ...(await writeIndex(layout, "big1", { seed: "pk-big1", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 768 * 1024 }, { size: 512 * 1024 }] })), tags: ["v2"] },
      { name: "big/two", ...(await writeImage(layout, "big2", { seed: "pk-big2", layers: [{ size: 1024 * 1024 }, { size: 256 * 1024 }] })), tags: ["v3"] },
      { name: "medium", ...(await writeImage(layout, "medium", { seed: "pk-medium", layers: [{ size: 128 * 1024 }] })), tags: ["v4"] },
    ];
    const layoutNames: Record<string, string> = { small: "small", "big/one": "big1", "big/two": "big2", medium: "medium" };
    for (const image of images) await seedLayout(layout, layoutNames[image.name]!, `${staging.host}/staging/${image.name}:seed`);
    const repositories = images.map((image) => `prod/${image.name}`);
    const expected: TaggedImage[] = images.flatMap((image) =>
      [...image.tags].sort().map((tag) => ({ tag: `prod/${image.name}:${tag}`, digest: image.digest, missing: [] })));

    let killedAt: string | undefined;
    proxy = await startFaultProxy({
      upstream: production.host,
      // Kill once the first tag has been written: that image is complete, the others are mid-copy.
      onAnswer: (request, status) => {
        if (killedAt !== undefined || request.method !== "PUT" || !/\/manifests\/(?!sha256:)/.test(request.path) || status !== 201) return;
        killedAt = request.path;
        child?.kill("SIGKILL");
      },
    });
    const tree = await writePromotionTree([{
      name: "k8s-staging-killed",
      source: `${staging.host}/staging`,
      destinations: [`${proxy.host}/prod`],
      images: images.map((image) => ({ name: image.name, dmap: { [image.digest]: image.tags } })),
    }], join(scratch, "tree"));

    child = spawnTracked(process.execPath, ["--import", "tsx", PROMOTE_CLI, "--thin-manifest-dir", tree, "--confirm", "--quiet"], ["ignore", "ignore", "pipe"]);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once("exit", (code, signal) => resolve({ code, signal })));

    expect({ exit, stderr }).toEqual({ exit: { code: null, signal: "SIGKILL" }, stderr: "" });
    expect(killedAt).toBeDefined();
    const afterKill = await taggedImages(production.host, repositories);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(afterKill.length).toBeLessThan(expected.length);
    for (const found of afterKill) expect(found).toEqual(expected.find((entry) => entry.tag === found.tag));

    const rerun = await runPromoteCli(["--thin-manifest-dir", tree, "--confirm", "--quiet"], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: () => true } as unknown as NodeJS.WritableStream,
    });

    expect(rerun).toBe(EXIT.ok);
    // Every tag resolves to its source digest, with all children and blobs present; no tag beyond these.
    expect(await taggedImages(production.host, repositories)).toEqual(expected);
  }, 120_000);
});
