/** What a token-auth registry needs to know about the token server it trusts (see `token-server.ts`). */
export interface TokenAuthority {
  /** URL clients get tokens from, e.g. `http://127.0.0.1:4321/token`. */
  readonly realm: string;
  /** The `service` (JWT audience) the registry expects. */
  readonly service: string;
  /** The `iss` claim the registry expects. */
  readonly issuer: string;
  /** PEM file with the certificate whose key signs the tokens. */
  readonly rootCertBundlePath: string;
}

/** How a harness registry authenticates clients. */
export type RegistryAuthConfig =
  | { readonly kind: "none" }
  | { readonly kind: "htpasswd"; readonly htpasswdPath: string }
  | { readonly kind: "token"; readonly authority: TokenAuthority };

/** Everything that goes into a harness registry's configuration file. */
export interface RegistryConfigInput {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Storage root directory. */
  readonly storageDir: string;
  /** Whether `DELETE` on manifests and blobs is allowed. */
  readonly deleteEnabled: boolean;
  /** Secret that signs upload state; fixed per registry so uploads survive a restart. */
  readonly httpSecret: string;
  /** Authentication. */
  readonly auth: RegistryAuthConfig;
}

/**
 * Builds the configuration file of a distribution 2.8 registry. Written as JSON, which its YAML reader accepts,
 * so nothing needs quoting rules. The access log stays on (it is what benchmarks count requests from).
 *
 * @param input port, storage, auth and delete settings
 * @returns the file's text
 * @example renderRegistryConfig({ port: 5000, storageDir: "/tmp/r", deleteEnabled: false, httpSecret: "s", auth: { kind: "none" } })
 */
export function renderRegistryConfig(input: RegistryConfigInput): string {
  const config: Record<string, unknown> = {
    version: "0.1",
    log: { level: "info", formatter: "text", accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: input.storageDir },
      delete: { enabled: input.deleteEnabled },
      // Purging would delete upload sessions a test keeps open across a restart.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${input.port}`, secret: input.httpSecret },
  };
  if (input.auth.kind === "htpasswd") {
    config.auth = { htpasswd: { realm: "harness-basic-realm", path: input.auth.htpasswdPath } };
  } else if (input.auth.kind === "token") {
    const { realm, service, issuer, rootCertBundlePath } = input.auth.authority;
    config.auth = { token: { realm, service, issuer, rootcertbundle: rootCertBundlePath } };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}
