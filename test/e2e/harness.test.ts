import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import {
  CommandError, deleteManifest, digestOf, inspectRaw, isProcessAlive, listTags, liveChildCount, MEDIA_TYPES, parseAccessLog,
  parsePlatform, PROBE_USER_AGENT, pushSignature, readAccessLog, RegistryStartError, seedAsDocker, seededBytes,
  seedLayout, signatureTag, startRegistry, startTokenServer, writeImage, writeIndex,
  type HarnessRegistry, type WrittenIndex,
} from "../harness";
import { parseScope } from "../harness/jwt";
import { runCommand } from "../harness/run-command";

const sha256 = (bytes: Buffer): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const user = { username: "promoter", password: "s3cret-pass" };

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "harness-test-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("parsers and fixtures (no registry)", () => {
  test.each([
    [
      '127.0.0.1 - - [23/Nov/2026:21:42:16 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"',
      [{ method: "GET", path: "/v2/", status: 200, bytes: 2, userAgent: "curl/7.88.1" }],
    ],
    [
      '127.0.0.1 - - [23/Nov/2026:21:42:16 +0000] "HEAD /v2/a/b/manifests/x?y=1 HTTP/1.1" 404 - "" "skopeo/1.9.3"',
      [{ method: "HEAD", path: "/v2/a/b/manifests/x?y=1", status: 404, bytes: 0, userAgent: "skopeo/1.9.3" }],
    ],
    ['time="2026-11-23T21:42:15Z" level=info msg="listening on 127.0.0.1:45123"', []],
  ])("parseAccessLog(%j)", (line, expected) => {
    expect(parseAccessLog(`${line}\n`)).toEqual(expected);
  });

  test.each([
    ["repository:team/app:pull,push", { type: "repository", name: "team/app", actions: ["pull", "push"] }],
    ["registry:catalog:*", { type: "registry", name: "catalog", actions: ["*"] }],
  ])("parseScope(%j)", (scope, expected) => {
    expect(parseScope(scope)).toEqual(expected);
  });

  test.each(["repository:app", ":app:pull", "repository:app:"])("parseScope(%j) throws", (scope) => {
    expect(() => parseScope(scope)).toThrow(`invalid scope ${JSON.stringify(scope)}: expected TYPE:NAME:ACTIONS`);
  });

  test.each([
    ["linux/amd64", { os: "linux", architecture: "amd64" }],
    ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
  ])("parsePlatform(%j)", (text, expected) => {
    expect(parsePlatform(text)).toEqual(expected);
  });

  test.each(["linux", "linux//v7", "a/b/c/d"])("parsePlatform(%j) throws", (text) => {
    expect(() => parsePlatform(text)).toThrow(`invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  });

  test("signatureTag names the .sig and .att tags and rejects a short digest", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(signatureTag(digest)).toBe(`sha256-${"ab".repeat(32)}.sig`);
    expect(signatureTag(digest, "att")).toBe(`sha256-${"ab".repeat(32)}.att`);
    expect(() => signatureTag(`sha256:${"a".repeat(63)}`)).toThrow(`invalid digest "sha256:${"a".repeat(63)}"`);
  });

  test("seededBytes is a function of the seed and rejects a negative length", () => {
    expect(sha256(seededBytes("a", 100_000))).toBe(sha256(seededBytes("a", 100_000)));
    expect(seededBytes("a", 64)).not.toEqual(seededBytes("b", 64));
    expect(seededBytes("a", 10)).toEqual(seededBytes("a", 70_000).subarray(0, 10));
    expect(() => seededBytes("a", -1)).toThrow(new RangeError("invalid length -1"));
  });

  test("the same index spec gives the same digest in another layout; another seed does not", async () => {
    const spec = { seed: "same", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 4096 }, { size: 10, compression: "none" as const }] };
    const first = await writeIndex(join(scratch, "det-1"), "v1", spec);
    const second = await writeIndex(join(scratch, "det-2"), "v1", spec);
    const other = await writeIndex(join(scratch, "det-3"), "v1", { ...spec, seed: "other" });
    expect(second.digest).toBe(first.digest);
    expect(other.digest).not.toBe(first.digest);
    expect(first.digest).toBe(sha256(first.bytes));
    expect(first.children.map((child) => child.platform)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    await expect(writeIndex(join(scratch, "det-4"), "v1", { ...spec, platforms: [] })).rejects.toThrow(
      "an index needs at least one platform",
    );
  });

  test("a gzip layer is a valid one-file tar whose digest is the config's diff_id", async () => {
    const layout = join(scratch, "layer-check");
    const image = await writeImage(layout, "v1", { seed: "tar", layers: [{ size: 1000 }] });
    const blob = (digest: string): Promise<Buffer> => readFile(join(layout, "blobs", "sha256", digest.slice(7)));
    const manifest = JSON.parse(image.bytes.toString("utf8")) as { config: { digest: string }; layers: Array<{ digest: string; mediaType: string }> };
    const config = JSON.parse((await blob(manifest.config.digest)).toString("utf8")) as { rootfs: { diff_ids: string[] } };
    const tar = gunzipSync(await blob(manifest.layers[0]!.digest));
    expect(manifest.layers[0]!.mediaType).toBe(MEDIA_TYPES.oci.layerGzip);
    expect(sha256(tar)).toBe(config.rootfs.diff_ids[0]);
    await writeFile(join(scratch, "layer.tar"), tar);
    const { stdout } = await runCommand("tar", ["-tvf", join(scratch, "layer.tar")]);
    expect(stdout.toString("utf8")).toMatch(/^-rw-r--r-- 0\/0 +1000 1970-01-01 00:00 layer-content\.bin\n$/);
  });

  test("runCommand reports the exit code and stderr, with secrets masked", async () => {
    await expect(
      runCommand("sh", ["-c", "echo bad hunter2 >&2; exit 3"], { secrets: ["hunter2"] }),
    ).rejects.toThrow(new CommandError(["sh", "-c", "echo bad *** >&2; exit 3"], 3, "bad ***\n"));
    await expect(runCommand("sh", ["-c", "echo bad hunter2 >&2; exit 3"])).rejects.toThrow(
      "sh -c echo bad hunter2 >&2; exit 3 failed (exit 3): bad hunter2",
    );
  });
});

describe("anonymous registries seeded with skopeo", () => {
  let source: HarnessRegistry;
  let destination: HarnessRegistry;
  let layout: string;
  let index: WrittenIndex;

  beforeAll(async () => {
    [source, destination] = await Promise.all([startRegistry(), startRegistry({ deleteEnabled: true })]);
    layout = join(scratch, "seeded");
    index = await writeIndex(layout, "multi", {
      seed: "harness-e2e",
      platforms: ["linux/amd64", "linux/arm64"],
      layers: [{ size: 2048 }, { size: 512, compression: "none" }],
    });
  });
  afterAll(async () => {
    await Promise.all([source?.dispose(), destination?.dispose()]);
  });

  test("two registries on distinct loopback ports", () => {
    expect(source.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(source.port).not.toBe(destination.port);
    expect(isProcessAlive(source.pid)).toBe(true);
  });

  test("an OCI index and its children come back byte-identical", async () => {
    await seedLayout(layout, "multi", `${source.host}/staging/nested/app:v1.10`);
    expect(await inspectRaw(`${source.host}/staging/nested/app:v1.10`)).toEqual(index.bytes);
    expect(await digestOf(`${source.host}/staging/nested/app:v1.10`)).toBe(index.digest);
    for (const child of index.children) {
      expect(await inspectRaw(`${source.host}/staging/nested/app@${child.digest}`)).toEqual(child.bytes);
    }
    expect(await listTags(`${source.host}/staging/nested/app`)).toEqual(["v1.10"]);
  });

  test("a single-platform image keeps its digest", async () => {
    const image = await writeImage(layout, "single", { seed: "single", platform: "linux/s390x", layers: [{ size: 100 }] });
    await seedLayout(layout, "single", `${source.host}/staging/single:latest`);
    expect(await digestOf(`${source.host}/staging/single:latest`)).toBe(image.digest);
  });

  test("seedAsDocker pushes a Docker manifest list of schema-2 manifests", async () => {
    const listDigest = await seedAsDocker(layout, "multi", `${destination.host}/docker/app:v1`);
    const list = await inspectRaw(`${destination.host}/docker/app:v1`);
    expect(sha256(list)).toBe(listDigest);
    const parsed = JSON.parse(list.toString("utf8")) as { mediaType: string; manifests: Array<{ mediaType: string; digest: string }> };
    expect(parsed.mediaType).toBe(MEDIA_TYPES.docker.index);
    expect(parsed.manifests.map((child) => child.mediaType)).toEqual([MEDIA_TYPES.docker.manifest, MEDIA_TYPES.docker.manifest]);
    const child = JSON.parse((await inspectRaw(`${destination.host}/docker/app@${parsed.manifests[0]!.digest}`)).toString("utf8"));
    expect(child.mediaType).toBe(MEDIA_TYPES.docker.manifest);
  });

  test("a signature and an attestation land next to the image under sha256-<hex> tags", async () => {
    await seedLayout(layout, "multi", `${source.host}/signed/app:v1`);
    const signature = await pushSignature(`${source.host}/signed/app`, index.digest);
    const attestation = await pushSignature(`${source.host}/signed/app`, index.digest, { kind: "att" });
    expect(await listTags(`${source.host}/signed/app`)).toEqual([attestation.tag, signature.tag, "v1"].sort());
    expect(await inspectRaw(`${source.host}/signed/app:${signature.tag}`)).toEqual(signature.bytes);
    const layer = (JSON.parse(signature.bytes.toString("utf8")) as { layers: Array<{ mediaType: string }> }).layers[0];
    expect(layer?.mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
  });

  test("the access log records skopeo's requests and the harness's probes apart", async () => {
    const entries = await readAccessLog(source.accessLogPath);
    expect(entries).toContainEqual(
      expect.objectContaining({ method: "PUT", path: "/v2/staging/nested/app/manifests/v1.10", status: 201 }),
    );
    expect(entries.filter((entry) => entry.userAgent === PROBE_USER_AGENT).length).toBeGreaterThan(0);
    await expect(readAccessLog(join(scratch, "missing.log"))).rejects.toThrow("ENOENT");
  });

  test("inspecting a missing tag fails with skopeo's stderr", async () => {
    await expect(inspectRaw(`${source.host}/staging/nested/app:nope`)).rejects.toThrow(/manifest unknown/);
    await expect(listTags(`${source.host}/never/pushed`)).rejects.toThrow(CommandError);
  });

  test("stop() ends the process and restart() brings the same data back on the same port", async () => {
    const oldPid = destination.pid;
    await destination.stop();
    expect(destination.running).toBe(false);
    expect(isProcessAlive(oldPid)).toBe(false);
    await expect(inspectRaw(`${destination.host}/docker/app:v1`)).rejects.toThrow(/connection refused/);
    await destination.restart();
    expect(destination.pid).not.toBe(oldPid);
    expect(isProcessAlive(destination.pid)).toBe(true);
    expect(await listTags(`${destination.host}/docker/app`)).toEqual(["v1"]);
  });

  test("deleteManifest removes a manifest where deletes are enabled, and fails where they are not", async () => {
    await seedLayout(layout, "single", `${destination.host}/doomed/app:v1`);
    await deleteManifest(`${destination.host}/doomed/app@${await digestOf(`${destination.host}/doomed/app:v1`)}`);
    await expect(inspectRaw(`${destination.host}/doomed/app:v1`)).rejects.toThrow(/manifest unknown/);
    await expect(deleteManifest(`${source.host}/staging/single:latest`)).rejects.toThrow(/unsupported/);
  });

  test("stop({ signal: 'SIGKILL' }) simulates a crash; restart() recovers", async () => {
    const oldPid = destination.pid;
    await destination.stop({ signal: "SIGKILL" });
    expect(isProcessAlive(oldPid)).toBe(false);
    await destination.restart();
    expect(await listTags(`${destination.host}/docker/app`)).toEqual(["v1"]);
  });
});

describe("authenticated registries", () => {
  test("basic auth rejects anonymous and wrong credentials and accepts the right ones", async () => {
    const registry = await startRegistry({ auth: { kind: "basic", users: [user] } });
    try {
      const layout = join(scratch, "basic");
      const image = await writeImage(layout, "v1", { seed: "basic", layers: [{ size: 64 }] });
      await expect(seedLayout(layout, "v1", `${registry.host}/app:v1`)).rejects.toThrow(/authentication required/);
      await seedLayout(layout, "v1", `${registry.host}/app:v1`, { credentials: user });
      await expect(inspectRaw(`${registry.host}/app:v1`)).rejects.toThrow(/authentication required/);
      await expect(
        inspectRaw(`${registry.host}/app:v1`, { credentials: { ...user, password: "wrong" } }),
      ).rejects.toThrow(/authentication required/);
      expect(await digestOf(`${registry.host}/app:v1`, { credentials: user })).toBe(image.digest);
    } finally {
      await registry.dispose();
    }
  });

  test("token auth works through the token server, which counts the tokens it issued", async () => {
    const tokens = await startTokenServer({ users: [user] });
    const registry = await startRegistry({ auth: { kind: "token", authority: tokens.authority } });
    try {
      const layout = join(scratch, "token");
      const index = await writeIndex(layout, "v1", { seed: "token", platforms: ["linux/amd64", "linux/arm64"], layers: [{ size: 64 }] });
      await seedLayout(layout, "v1", `${registry.host}/team/app:v1`, { credentials: user });
      expect(await digestOf(`${registry.host}/team/app:v1`, { credentials: user })).toBe(index.digest);
      expect(tokens.tokensIssued).toBeGreaterThan(0);
      expect(tokens.requests).toContainEqual({ username: user.username, scopes: ["repository:team/app:pull,push"], granted: true });
      const issued = tokens.tokensIssued;
      await expect(inspectRaw(`${registry.host}/team/app:v1`)).rejects.toThrow(/unauthorized|authentication required/);
      expect(tokens.tokensIssued).toBe(issued);
      expect(tokens.requests.at(-1)).toEqual({ username: "", scopes: ["repository:team/app:pull"], granted: false });
    } finally {
      await registry.dispose();
      await tokens.stop();
    }
  });

  test("a registry that cannot start fails with its log tail and leaves nothing running", async () => {
    const authority = { realm: "http://127.0.0.1:9/token", service: "s", issuer: "i", rootCertBundlePath: join(scratch, "absent.pem") };
    const before = liveChildCount();
    const failure = startRegistry({ auth: { kind: "token", authority } });
    await expect(failure).rejects.toThrow(RegistryStartError);
    await expect(failure).rejects.toThrow(/exited with code 2; log .*registry\.log:\npanic: unable to configure authorization \(token\): unable to open token auth root certificate bundle file ".*absent\.pem"/);
    expect(liveChildCount()).toBe(before);
  });
});

describe("no registry outlives its test process", () => {
  test("a registry dies with a SIGKILLed parent", async () => {
    // A separate Node process starts a registry, prints its pid, and is then killed without any chance to clean up.
    const script = `const { startRegistry } = await import(${JSON.stringify(join(__dirname, "../harness/registry.ts"))});
      const registry = await startRegistry();
      console.log(JSON.stringify({ pid: registry.pid, rootDir: registry.rootDir })); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const { pid, rootDir } = await new Promise<{ pid: number; rootDir: string }>((resolve, reject) => {
      parent.stdout.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString("utf8"))));
      parent.once("exit", (code) => reject(new Error(`helper exited with ${code}`)));
    });
    expect(isProcessAlive(pid)).toBe(true);
    parent.kill("SIGKILL");
    // The kernel delivers the death signal asynchronously: poll, bounded, rather than assert on timing.
    for (let attempt = 0; attempt < 100 && isProcessAlive(pid); attempt++) await sleep(50);
    expect(isProcessAlive(pid)).toBe(false);
    await rm(rootDir, { recursive: true, force: true });
  });
});
