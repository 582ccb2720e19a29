import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the helper does when asked about one server. */
export type HelperAnswer =
  /** Prints `{"ServerURL","Username","Secret"}` and exits 0. */
  | { readonly username: string; readonly secret: string }
  /** Prints an error and exits 3. */
  | "fail"
  /** Never answers (sleeps). */
  | "hang"
  /** Prints text that is not JSON (here: the word secret, to prove it is not echoed). */
  | "not-json";

/** A `docker-credential-<name>` script in its own directory. */
export interface WrittenCredentialHelper {
  /** The directory holding the script: put it first on `PATH`. */
  readonly binDir: string;
  /** Every call, one line each: `<argument> <stdin>`. */
  calls(): Promise<string[]>;
}

/**
 * Writes a small credential helper script, `docker-credential-<name>`, that answers `get` the way Docker's
 * helpers do: the server on stdin; credentials as JSON; for any server it does not know, the helpers' own
 * "credentials not found in native keychain" and exit 1. Every call is logged.
 *
 * @param name the helper name as the Docker config gives it (`credHelpers` value or `credsStore`)
 * @param answers server (as Docker sends it, e.g. `127.0.0.1:5000`) → what to do
 * @returns the directory to put on `PATH`, and the call log
 * @throws the fs error
 * @example const helper = await writeCredentialHelper("k8stest", { [registry.host]: { username: "u", secret: "p" } });
 */
export async function writeCredentialHelper(name: string, answers: Readonly<Record<string, HelperAnswer>>): Promise<WrittenCredentialHelper> {
  const binDir = await mkdtemp(join(tmpdir(), "credential-helper-"));
  const log = join(binDir, "calls.log");
  const branches = Object.entries(answers).map(([server, answer]) => `  ${quote(server)}) ${action(server, answer)} ;;`);
  const script = [
    "#!/bin/sh",
    `[ "$1" = get ] || { echo "unsupported action: $1" >&2; exit 2; }`,
    "server=$(cat)",
    `printf '%s %s\\n' "$1" "$server" >> ${quote(log)}`,
    'case "$server" in',
    ...branches,
    "  *) echo 'credentials not found in native keychain'; exit 1 ;;",
    "esac",
    "",
  ].join("\n");
  const path = join(binDir, `docker-credential-${name}`);
  await writeFile(path, script);
  await chmod(path, 0o755);
  return {
    binDir,
    calls: async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean),
  };
}

function action(server: string, answer: HelperAnswer): string {
  if (answer === "fail") return "echo 'keychain locked'; exit 3";
  // exec: the shell is replaced, so killing the helper's process kills the sleep too.
  if (answer === "hang") return "exec sleep 600";
  if (answer === "not-json") return "echo 'password=secret'";
  return `printf '%s' ${quote(JSON.stringify({ ServerURL: server, Username: answer.username, Secret: answer.secret }))}`;
}

/** Quotes a value for sh: single quotes, with each single quote closed, escaped and reopened. */
function quote(text: string): string {
  return `'${text.split("'").join(`'\\''`)}'`;
}
