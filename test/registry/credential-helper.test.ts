/**
 * Docker credential helpers, run for real: a small `docker-credential-<name>` shell script on PATH answers as
 * Docker's helpers do.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialHelperError, runCredentialHelper } from "../../lib/registry/credential-helper";
import { defaultCredentialSource } from "../../lib/registry/credentials";
import { writeCredentialHelper, type WrittenCredentialHelper } from "../harness/credential-helper";

let helper: WrittenCredentialHelper;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  helper = await writeCredentialHelper("k8stest", {
    "r.example:5000": { username: "robot", secret: "pa55-word" },
    "tokens.example": { username: "<token>", secret: "refresh-token" },
    "empty.example": { username: "", secret: "" },
    "broken.example": "fail",
    "slow.example": "hang",
    "garbled.example": "not-json",
  });
  env = { PATH: `${helper.binDir}:${process.env.PATH}` };
});
afterAll(() => rm(helper.binDir, { recursive: true, force: true }));

describe("runCredentialHelper", () => {
  it("sends the server on stdin to `get` and reads the credential", async () => {
    expect(await runCredentialHelper("k8stest", "r.example:5000", { env })).toEqual({ kind: "basic", username: "robot", password: "pa55-word" });
    expect(await helper.calls()).toContain("get r.example:5000");
  });

  it("reads a <token> user as an identity token", async () => {
    expect(await runCredentialHelper("k8stest", "tokens.example", { env })).toEqual({ kind: "identityToken", username: "", token: "refresh-token" });
  });

  it.each(["unknown.example", "empty.example"])("has no credential for %s (anonymous)", async (server) => {
    expect(await runCredentialHelper("k8stest", server, { env })).toBeUndefined();
  });

  it.each([
    ["broken.example", "docker-credential-k8stest get (server broken.example) failed (exit 3): keychain locked"],
    ["garbled.example", "docker-credential-k8stest get (server garbled.example): the answer is not JSON (16 bytes)"],
  ])("reports a failing helper for %s without echoing a successful answer", async (server, message) => {
    const failure = runCredentialHelper("k8stest", server, { env });
    await expect(failure).rejects.toThrow(new CredentialHelperError(message));
    await expect(failure).rejects.not.toThrow(/secret/);
  });

  it("kills a helper that does not answer in time", async () => {
    await expect(runCredentialHelper("k8stest", "slow.example", { env, timeoutMs: 300 })).rejects.toThrow(
      "docker-credential-k8stest get (server slow.example): no answer within 0.3 s; killed",
    );
  });

  it("names a helper missing from PATH", async () => {
    await expect(runCredentialHelper("absent", "r.example:5000", { env })).rejects.toThrow(
      "docker-credential-absent get (server r.example:5000): docker-credential-absent not found on PATH",
    );
  });

  it.each(["../k8stest", "a/b", "", "-x"])("refuses the helper name %j", async (name) => {
    await expect(runCredentialHelper(name, "r.example:5000", { env })).rejects.toThrow("is not a plain program name");
  });
});

describe("defaultCredentialSource with helpers", () => {
  let configDir: string;
  const writeConfig = (config: unknown) => writeFile(join(configDir, "config.json"), JSON.stringify(config));
  beforeEach(async () => {
    configDir = await mkdtemp(join(tmpdir(), "docker-config-helpers-"));
  });
  afterEach(() => rm(configDir, { recursive: true, force: true }));

  it("credHelpers for the host first, then credsStore, then inline auths, then Google; each helper once per host", async () => {
    await writeConfig({
      credHelpers: { "r.example:5000": "k8stest" },
      credsStore: "k8stest",
      auths: { "inline.example": { auth: Buffer.from("in:line").toString("base64") }, "r.example:5000": { auth: Buffer.from("not:used").toString("base64") } },
    });
    const before = (await helper.calls()).length;
    const source = defaultCredentialSource({ env: { ...env, DOCKER_CONFIG: configDir }, googleToken: async () => "google-token" });
    expect(await source("r.example:5000")).toEqual({ kind: "basic", username: "robot", password: "pa55-word" });
    expect(await source("r.example:5000")).toEqual({ kind: "basic", username: "robot", password: "pa55-word" });
    // credsStore holds nothing for these: the inline entry, the Google token, anonymous.
    expect(await source("inline.example")).toEqual({ kind: "basic", username: "in", password: "line" });
    expect(await source("gcr.io")).toEqual({ kind: "basic", username: "oauth2accesstoken", password: "google-token" });
    expect(await source("quay.io")).toBeUndefined();
    expect((await helper.calls()).slice(before)).toEqual(["get r.example:5000", "get inline.example", "get gcr.io", "get quay.io"]);
  });

  it("a failing helper fails the lookup, and is asked again next time", async () => {
    await writeConfig({ credHelpers: { "broken.example": "k8stest" } });
    const before = (await helper.calls()).length;
    const source = defaultCredentialSource({ env: { ...env, DOCKER_CONFIG: configDir } });
    await expect(source("broken.example")).rejects.toThrow("failed (exit 3): keychain locked");
    await expect(source("broken.example")).rejects.toThrow("failed (exit 3): keychain locked");
    expect((await helper.calls()).slice(before)).toEqual(["get broken.example", "get broken.example"]);
  });
});
