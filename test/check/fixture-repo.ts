import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createProject } from "../../lib/scaffold/create-project";
import { loadStackConfig } from "../../lib/stack-config/load-stack-config";

const repository = join(__dirname, "../..");

/** A 64-hex digest made of one repeated character, for readable fixtures. */
export const digest = (c: string): string => `sha256:${c.repeat(64)}`;

/** A small copy of the repository's tree in a temporary directory: the real stack config and a few projects. */
export interface FixtureRepo {
  readonly root: string;
  write(path: string, text: string): void;
  read(path: string): string;
  remove(path: string): void;
  /** Runs git in the fixture (commits need no global identity). */
  git(...args: string[]): string;
  dispose(): void;
}

/**
 * Makes a fixture repository with the real `Pulumi.yaml` and `Pulumi.prod.yaml` and, for each name, a project
 * created by the real scaffold, so `check` passes on it as created.
 */
export async function makeFixtureRepo(names: readonly string[]): Promise<FixtureRepo> {
  const root = mkdtempSync(join(tmpdir(), "check-fixture-"));
  copyFileSync(join(repository, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
  copyFileSync(join(repository, "Pulumi.prod.yaml"), join(root, "Pulumi.prod.yaml"));
  mkdirSync(join(root, "projects"));
  const config = await loadStackConfig(join(root, "Pulumi.yaml"), join(root, "Pulumi.prod.yaml"));
  for (const name of names) await createProject(root, name, config, { approvers: ["octocat"] });
  return {
    root,
    write: (path, text) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    },
    read: (path) => readFileSync(join(root, path), "utf8"),
    remove: (path) => rmSync(join(root, path), { recursive: true, force: true }),
    git: (...args) =>
      execFileSync("git", ["-c", "user.name=check test", "-c", "user.email=check@example.invalid", "-c", "init.defaultBranch=main", ...args], {
        cwd: root,
        encoding: "utf8",
      }),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
