/**
 * Request economy, end to end through the CLI (default limits) against three real docker-registry processes:
 * a staging registry and two destinations. Everything is counted from the registries' own access logs.
 *
 * Tree: image `app` (one digest, three tags) and image `tool` (one digest, one tag), each a 2-platform index
 * of 3 manifests and 6 blobs, promoted to `D1/prod` and `D2/mirror`.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import { RegistryClient } from "../../lib/registry/client";
import { PROBE_USER_AGENT, digestOf, readAccessLog, startRegistry, type AccessLogEntry, type HarnessRegistry } from "../harness";
import { pushTestIndex, type PushedIndex } from "../registry/test-images";

const APP_TAGS = ["1.0", "1.0.0", "latest"];
const TOOL_TAGS = ["v2"];
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let staging: HarnessRegistry;
let first: HarnessRegistry;
let second: HarnessRegistry;
let app: PushedIndex;
let tool: PushedIndex;
let treeDir: string;
/** Access-log lengths per registry before the step being measured. */
let marks: Map<HarnessRegistry, number>;

/** The requests a registry answered since the last {@link mark}, the harness's own probes left out. */
async function since(registry: HarnessRegistry): Promise<AccessLogEntry[]> {
  const entries = await readAccessLog(registry.accessLogPath);
  return entries.slice(marks.get(registry) ?? 0).filter((entry) => entry.userAgent !== PROBE_USER_AGENT);
}

async function mark(): Promise<void> {
  marks = new Map();
  for (const registry of [staging, first, second]) marks.set(registry, (await readAccessLog(registry.accessLogPath)).length);
}

/** `METHOD path` with upload session ids and state dropped, keeping what identifies the work: the blob digest. */
function describeRequest(entry: AccessLogEntry): string {
  const url = new URL(entry.path, "http://registry");
  const upload = /^(\/v2\/.+\/blobs\/uploads\/).+$/.exec(url.pathname);
  if (upload) return `${entry.method} ${upload[1]}<session> digest=${url.searchParams.get("digest")}`;
  return `${entry.method} ${url.pathname}${url.search}`;
}

function sorted(entries: readonly AccessLogEntry[]): string[] {
  return entries.map(describeRequest).sort();
}

/** The writes one copy of `image` plus its tags makes in `repository`: each blob once, each manifest once. */
function expectedCopy(repository: string, image: PushedIndex, tags: readonly string[]): string[] {
  return [
    ...image.blobs.flatMap((blob) => [`POST /v2/${repository}/blobs/uploads/`, `PUT /v2/${repository}/blobs/uploads/<session> digest=${blob}`]),
    ...[...image.children, image.index, ...tags].map((reference) => `PUT /v2/${repository}/manifests/${reference}`),
  ].sort();
}

function silentIo() {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (text: string) => ((err += text), true) } as unknown as NodeJS.WritableStream,
    },
    output: () => `${out}${err}`,
  };
}

async function promoteTree(): Promise<void> {
  const { io, output } = silentIo();
  const code = await runPromoteCli(["--thin-manifest-dir", treeDir, "--confirm", "--quiet"], io);
  if (code !== EXIT.ok) throw new Error(`promote exited ${code}:\n${output()}`);
}

beforeAll(async () => {
  [staging, first, second] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  const seeder = new RegistryClient({ maxRps: 1000 });
  app = await pushTestIndex(seeder, { host: staging.host, path: "staging/app" }, "economy-app");
  tool = await pushTestIndex(seeder, { host: staging.host, path: "staging/tool" }, "economy-tool");
  treeDir = await mkdtemp(join(tmpdir(), "economy-tree-"));
  await mkdir(join(treeDir, "manifests/k8s-staging-economy"), { recursive: true });
  await mkdir(join(treeDir, "images/k8s-staging-economy"), { recursive: true });
  await writeFile(
    join(treeDir, "manifests/k8s-staging-economy/promoter-manifest.yaml"),
    `registries:\n- name: ${staging.host}/staging\n  src: true\n- name: ${first.host}/prod\n- name: ${second.host}/mirror\n`,
  );
  await writeFile(
    join(treeDir, "images/k8s-staging-economy/images.yaml"),
    `- name: app\n  dmap:\n    "${app.index}": [${APP_TAGS.map((t) => `"${t}"`).join(", ")}]\n` +
      `- name: tool\n  dmap:\n    "${tool.index}": [${TOOL_TAGS.map((t) => `"${t}"`).join(", ")}]\n`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([staging?.dispose(), first?.dispose(), second?.dispose()]);
  if (treeDir) await rm(treeDir, { recursive: true, force: true });
});

describe("a promotion and its no-op rerun", () => {
  test("the first run copies each digest once per destination repository, then tags it", async () => {
    await mark();
    await promoteTree();
    for (const [registry, prefix] of [[first, "prod"], [second, "mirror"]] as const) {
      const writes = (await since(registry)).filter((entry) => WRITE_METHODS.has(entry.method));
      expect(sorted(writes)).toEqual(
        [...expectedCopy(`${prefix}/app`, app, APP_TAGS), ...expectedCopy(`${prefix}/tool`, tool, TOOL_TAGS)].sort(),
      );
      expect(writes.every((entry) => entry.status === 201 || entry.status === 202)).toBe(true);
      for (const [name, image, tags] of [["app", app, APP_TAGS], ["tool", tool, TOOL_TAGS]] as const) {
        const manifestPuts = writes.map(describeRequest).filter((line) => line.startsWith(`PUT /v2/${prefix}/${name}/manifests/`));
        // Tags only once the whole image is in: every PUT by digest completed before the first tag PUT.
        expect(manifestPuts.slice(-tags.length).sort()).toEqual(tags.map((tag) => `PUT /v2/${prefix}/${name}/manifests/${tag}`));
        expect(manifestPuts[manifestPuts.length - tags.length - 1]).toBe(`PUT /v2/${prefix}/${name}/manifests/${image.index}`);
      }
    }
    expect((await since(staging)).filter((entry) => WRITE_METHODS.has(entry.method))).toEqual([]);
  });

  test("every destination tag resolves to the source digest (read with skopeo)", async () => {
    for (const registry of [first, second]) {
      const prefix = registry === first ? "prod" : "mirror";
      for (const tag of APP_TAGS) expect(await digestOf(`${registry.host}/${prefix}/app:${tag}`)).toBe(app.index);
      for (const tag of TOOL_TAGS) expect(await digestOf(`${registry.host}/${prefix}/tool:${tag}`)).toBe(tool.index);
    }
  });

  test("the rerun writes nothing: one tag list per staging repository, one HEAD per wanted destination tag", async () => {
    await mark();
    await promoteTree();
    // Plus one referrers API probe per staging host: distribution 2.8 has none (404), so the fallback tags in the
    // tag lists already read answer for every other image.
    const staged = sorted(await since(staging));
    expect(staged.filter((line) => line.includes("/referrers/"))).toHaveLength(1);
    expect(staged.filter((line) => !line.includes("/referrers/"))).toEqual(["GET /v2/staging/app/tags/list", "GET /v2/staging/tool/tags/list"]);
    for (const [registry, prefix] of [[first, "prod"], [second, "mirror"]] as const) {
      expect(sorted(await since(registry))).toEqual([
        ...APP_TAGS.map((tag) => `HEAD /v2/${prefix}/app/manifests/${tag}`),
        ...TOOL_TAGS.map((tag) => `HEAD /v2/${prefix}/tool/manifests/${tag}`),
      ].sort());
    }
  });
});
