import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { Manifest } from "../../lib/promote/manifests/types";
import { promote } from "../../lib/promote/run/promote";
import { captureIo } from "../support/capture-io";

// The façade is replaced: these tests prove what the command hands it, and that it is not reached at all when
// nothing changed (so no registry can be contacted).
jest.mock("../../lib/promote/run/promote");
const promoteMock = jest.mocked(promote);

const D = (c: string) => `sha256:${c.repeat(64)}`;
const MANIFEST = "registries:\n- name: 127.0.0.1:9/staging\n  src: true\n- name: 127.0.0.1:9/prod\n";

let repo: string;
let tree: string;
let base: string;
const git = (...args: string[]) =>
  execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { stdio: "pipe" }).toString();
const write = (relative: string, text: string) => {
  mkdirSync(dirname(join(tree, relative)), { recursive: true });
  writeFileSync(join(tree, relative), text);
};

beforeEach(() => {
  promoteMock.mockReset();
  promoteMock.mockResolvedValue({
    mode: "dry-run",
    ok: true,
    totals: { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 },
    projects: [],
  });
  repo = mkdtempSync(join(tmpdir(), "diff-base-cli-"));
  tree = join(repo, "tree");
  git("init", "-q", "-b", "main");
  write("manifests/p/promoter-manifest.yaml", MANIFEST);
  write("images/p/images.yaml", `- name: foo\n  dmap:\n    "${D("a")}": ["1.0"]\n`);
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  base = git("rev-parse", "HEAD").trim();
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe("promote --diff-base", () => {
  it("with nothing added: exits 0, says so, never calls promote, and writes an empty JSON report", async () => {
    const b = captureIo();
    const json = join(repo, "report.json");
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--diff-base", base, "--json", json], b.io)).toBe(EXIT.ok);
    expect(promoteMock).not.toHaveBeenCalled();
    expect(b.out()).toBe(`Nothing added or changed in images.yaml since ${base}: no registry contacted.\n`);
    expect(b.err()).toBe(`--diff-base ${base}: 0 digest(s) added or changed, 1 unchanged\n`);
    const none = { copied: [], tagged: [], skipped: [], refused: [], failed: [], unreachable: [] };
    expect(JSON.parse(readFileSync(json, "utf8"))).toEqual({
      mode: "dry-run",
      ok: true,
      verdicts: { valid: 1, warnings: 0, invalid: 0 },
      totals: { copied: 0, tagged: 0, skipped: 0, refused: 0, failed: 0 },
      projects: [{ project: "p", verdict: "valid", problems: [], warnings: [], notShown: 0, ...none }],
      unreachable: [],
      provenance: [],
      referrers: [],
      signing: [],
    });
  });

  it("with a digest added: hands promote only that digest", async () => {
    write("images/p/images.yaml", `- name: foo\n  dmap:\n    "${D("a")}": ["1.0"]\n    "${D("b")}": ["1.1"]\n`);
    const b = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--diff-base", base, "--quiet"], b.io)).toBe(EXIT.ok);
    expect(promoteMock).toHaveBeenCalledTimes(1);
    const manifests = promoteMock.mock.calls[0]![1] as Manifest[];
    expect(manifests.map((m) => [m.project, m.images.map((i) => [i.name, [...i.dmap]])])).toEqual([["p", [["foo", [[D("b"), ["1.1"]]]]]]]);
    expect(b.err()).toBe(`--diff-base ${base}: 1 digest(s) added or changed, 1 unchanged\n`);
  });

  it("with a revision that names no commit: exits 2 with a clear message, before any registry", async () => {
    const b = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--diff-base", "no-such-rev"], b.io)).toBe(EXIT.invalid);
    expect(b.err()).toBe(`error: --diff-base: no-such-rev is not a commit of the git repository at ${tree}\n`);
    expect(promoteMock).not.toHaveBeenCalled();
  });

  it("still validates every manifest fully: an invalid unchanged entry exits 2", async () => {
    write("images/p/images.yaml", `- name: foo\n  dmap:\n    "sha256:abc": ["1.0"]\n`);
    git("commit", "-q", "-am", "bad digest in the base too");
    const b = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--diff-base", "HEAD"], b.io)).toBe(EXIT.invalid);
    expect(b.err()).toBe(
      'images/p/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)\n' +
        "1 problem(s); nothing was read or written\n",
    );
    expect(promoteMock).not.toHaveBeenCalled();
  });
});
