import { realmMayReceiveCredentials } from "../../lib/registry/auth";
import { RegistryClient } from "../../lib/registry/client";
import { startScriptedOrigin, type ScriptedOrigin } from "../harness/scripted-origin";

describe("realmMayReceiveCredentials: the registry's own host or registrable domain only", () => {
  test.each<[string, string, boolean]>([
    ["gcr.io", "https://gcr.io/v2/token", true],
    ["us-central1-docker.pkg.dev", "https://us-central1-docker.pkg.dev/v2/token", true],
    ["registry-1.docker.io", "https://auth.docker.io/token", true],
    ["registry.gitlab.com", "https://gitlab.com/jwt/auth", true],
    ["127.0.0.1:5000", "https://127.0.0.1:5001/token", true],
    ["127.0.0.1:5000", "http://127.0.0.1:5001/token", true],
    ["gcr.io", "https://evil.example/token", false],
    ["ghcr.io", "https://github.com/token", false],
    // github.io is a public suffix: two pages sites there are two owners.
    ["me.github.io", "https://other.github.io/token", false],
    ["127.0.0.1:5000", "https://localhost:5001/token", false],
    ["registry-1.docker.io", "http://auth.docker.io/token", false],
    ["nvcr.io", "https://authn.nvidia.com/token", false],
  ])("%s with realm %s → %s", (registry, realm, expected) => {
    expect(realmMayReceiveCredentials(registry, new URL(realm))).toBe(expected);
  });
});

describe("a token realm elsewhere never sees the registry's credentials", () => {
  let registry: ScriptedOrigin;
  let realm: ScriptedOrigin;
  beforeEach(async () => {
    [registry, realm] = await Promise.all([startScriptedOrigin(), startScriptedOrigin()]);
  });
  afterEach(async () => {
    await Promise.all([registry.close(), realm.close()]);
    expect([...registry.unmatched, ...realm.unmatched]).toEqual([]);
  });

  test("the token is asked for anonymously, and a refusal says why the credentials were withheld", async () => {
    // `localhost` is not the registry's host (127.0.0.1) nor a registrable domain of it.
    const foreign = `http://localhost:${realm.host.split(":")[1]}/token`;
    registry.intercept({ path: "/v2/prod/app/tags/list", method: "GET" }).reply(401, "", { headers: { "www-authenticate": `Bearer realm="${foreign}",service="reg"` } });
    const authorizations: Array<string | undefined> = [];
    realm.intercept({ path: "/token?service=reg&scope=repository%3Aprod%2Fapp%3Apull", method: "GET" }).reply(401, (request) => {
      authorizations.push(request.headers.authorization);
      return "denied";
    });
    const client = new RegistryClient({ credentials: async () => ({ kind: "basic", username: "promoter", password: "s3cret" }), sleep: async () => {} });
    await expect(client.listTags({ host: registry.host, path: "prod/app" })).rejects.toThrow(
      `token request refused: denied (the credentials for ${registry.host} were not sent: ${new URL(foreign).host} is not the registry's own host or domain)`,
    );
    expect(authorizations).toEqual([undefined]);
  });
});
