import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCredentialSource, googleAccessToken, loadDockerConfig, normaliseAuthKey, parseDockerConfig } from "../../lib/registry/credentials";

const b64 = (text: string) => Buffer.from(text).toString("base64");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "docker-config-test-"));
  await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { "http://127.0.0.1:5000": { auth: b64("alice:s3cr:et") } } }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test.each([
  ["https://index.docker.io/v1/", "index.docker.io"],
  ["Registry.Example:5000", "registry.example:5000"],
  ["http://127.0.0.1:5000/v2/", "127.0.0.1:5000"],
])("normaliseAuthKey(%s) = %s", (key, expected) => expect(normaliseAuthKey(key)).toBe(expected));

test("parses auth, username/password and identitytoken entries, skipping helper-only ones", () => {
  const config = JSON.stringify({
    auths: {
      "a.io": { auth: b64("u:p:w") },
      "https://b.io/v1/": { username: "bob", password: "pw" },
      "c.io": { auth: b64("<token>:"), identitytoken: "refresh" },
      "d.io": {},
    },
    credsStore: "desktop",
  });
  expect([...parseDockerConfig(config, "config.json").auths]).toEqual([
    ["a.io", { kind: "basic", username: "u", password: "p:w" }],
    ["b.io", { kind: "basic", username: "bob", password: "pw" }],
    ["c.io", { kind: "identityToken", username: "<token>", token: "refresh" }],
  ]);
  expect(parseDockerConfig("{}", "config.json").auths.size).toBe(0);
});

test("parses credHelpers (hosts normalised) and credsStore", () => {
  const config = parseDockerConfig(JSON.stringify({ credHelpers: { "https://GCR.io": "gcloud", "us-docker.pkg.dev": "gcloud" }, credsStore: "pass" }), "config.json");
  expect([...config.credHelpers]).toEqual([["gcr.io", "gcloud"], ["us-docker.pkg.dev", "gcloud"]]);
  expect(config.credsStore).toBe("pass");
  expect(parseDockerConfig("{}", "config.json")).toEqual({ auths: new Map(), credHelpers: new Map() });
});

test.each([
  ["{", "config.json: not valid JSON: "],
  ['{"auths":[]}', "config.json: auths: expected an object"],
  ['{"credHelpers":"gcloud"}', "config.json: credHelpers: expected an object"],
  ['{"credHelpers":{"gcr.io":true}}', "config.json: credHelpers.gcr.io: expected a helper name"],
  ['{"credsStore":1}', "config.json: credsStore: expected a helper name"],
  [`{"auths":{"a.io":{"auth":"${b64("nocolon")}"}}}`, 'config.json: auths.a.io.auth: expected base64 of "username:password"'],
])("rejects %s", (text, message) => expect(() => parseDockerConfig(text, "config.json")).toThrow(message));

test("loadDockerConfig reads $DOCKER_CONFIG/config.json, and a missing file means no credentials", async () => {
  expect((await loadDockerConfig({ DOCKER_CONFIG: dir })).auths.get("127.0.0.1:5000")).toEqual({ kind: "basic", username: "alice", password: "s3cr:et" });
  expect((await loadDockerConfig({}, dir)).auths.size).toBe(0);
});

test("loadDockerConfig rethrows read errors other than a missing file", async () => {
  await expect(loadDockerConfig({ DOCKER_CONFIG: join(dir, "config.json") })).rejects.toThrow("ENOTDIR");
});

test("defaultCredentialSource: config entry first, Google token for Google hosts, else anonymous", async () => {
  let googleCalls = 0;
  const source = defaultCredentialSource({ env: { DOCKER_CONFIG: dir }, googleToken: async () => `tok${++googleCalls}` });
  expect(await source("127.0.0.1:5000")).toEqual({ kind: "basic", username: "alice", password: "s3cr:et" });
  expect(await source("us-docker.pkg.dev")).toEqual({ kind: "basic", username: "oauth2accesstoken", password: "tok1" });
  expect(await source("gcr.io")).toEqual({ kind: "basic", username: "oauth2accesstoken", password: "tok1" });
  expect(await source("quay.io")).toBeUndefined();
  expect(googleCalls).toBe(1);
});

test("defaultCredentialSource forgets a failed Google token request so a later call can succeed", async () => {
  let calls = 0;
  const source = defaultCredentialSource({ env: { DOCKER_CONFIG: dir }, googleToken: async () => {
    if (++calls === 1) throw new Error("metadata server unreachable");
    return "tok";
  } });
  await expect(source("gcr.io")).rejects.toThrow("metadata server unreachable");
  expect(await source("gcr.io")).toEqual({ kind: "basic", username: "oauth2accesstoken", password: "tok" });
});

test("googleAccessToken prefers GOOGLE_OAUTH_ACCESS_TOKEN without loading google-auth-library", async () => {
  expect(await googleAccessToken({ GOOGLE_OAUTH_ACCESS_TOKEN: "ya29.x" })).toBe("ya29.x");
});
