import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EXIT, runPromoteCli } from "../../lib/cli/promote";
import type { RunReport } from "../../lib/promote/run/run-report";
import { captureIo } from "../support/capture-io";

const corpus = join(__dirname, "../../../shared/corpus/k8s.io/registry.k8s.io");

async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "promote-cli-tree-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe("promote command line: input handling (no registry is contacted)", () => {
  it("--help explains exit codes and credentials and exits 0", async () => {
    const b = captureIo();
    expect(await runPromoteCli(["--help"], b.io)).toBe(EXIT.ok);
    expect(b.out()).toContain("Exit codes: 0 success or nothing to do (warnings allowed); 1 something failed or was refused");
    expect(b.out()).toContain("GOOGLE_OAUTH_ACCESS_TOKEN");
  });

  it.each([
    [[], "error: give --thin-manifest-dir DIR or --manifest FILE (see --help)\n"],
    [["--thin-manifest-dir", "a", "--manifest", "b"], "error: option '--thin-manifest-dir <dir>' cannot be used with option '--manifest <file>'\n"],
    [["--manifest", "m.yaml", "--concurrency", "0"], "error: option '--concurrency <n>' argument '0' is invalid. must be a positive integer\n"],
    [["--bogus"], "error: unknown option '--bogus'\n"],
  ])("usage error %j exits 2", async (argv, message) => {
    const b = captureIo();
    expect(await runPromoteCli(argv, b.io)).toBe(EXIT.invalid);
    expect(b.err()).toBe(message);
  });

  it("the real k8s.io tree with --strict: exits 2 on its one 63-hex digest, writes no JSON report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promote-cli-"));
    const b = captureIo();
    const code = await runPromoteCli(["--thin-manifest-dir", corpus, "--strict", "--json", join(dir, "report.json")], b.io);
    expect(code).toBe(EXIT.invalid);
    expect(b.err()).toBe(
      'images/k8s-staging-ingress-nginx/images.yaml:203:5: [7].dmap["sha256:23eb4b1775fbaa2adca55c73cf0341e1224d6308689b6f4b3aa1523312eb81c"]: ' +
        'digest must be "sha256:" followed by 64 lowercase hex characters (got 63)\n' +
        "1 problem(s); nothing was read or written\n",
    );
    expect(b.out()).toBe("");
    expect(await readdir(dir)).toEqual([]);
  });

  it("--validate-only on the corpus k8s.io tree: the 63-hex digest positioned, one verdict per project, exit 2, nothing contacted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "promote-cli-"));
    const b = captureIo();
    const code = await runPromoteCli(["--thin-manifest-dir", corpus, "--validate-only", "--json", join(dir, "report.json")], b.io);
    expect(code).toBe(EXIT.invalid);
    expect(b.err()).toBe("");
    expect(b.out()).toContain(
      "k8s-staging-ingress-nginx: invalid\n" +
        '  images/k8s-staging-ingress-nginx/images.yaml:203:5: [7].dmap["sha256:23eb4b1775fbaa2adca55c73cf0341e1224d6308689b6f4b3aa1523312eb81c"]: ' +
        'digest must be "sha256:" followed by 64 lowercase hex characters (got 63)\n',
    );
    expect(b.out()).toContain("k8s-staging-kubernetes: valid\n");
    expect(b.out()).toMatch(/Projects: 9 valid, 0 with warnings, 1 invalid\nValidated offline: no registry was contacted\n$/);
    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as RunReport;
    expect(report.mode).toBe("validate-only");
    expect(report.verdicts).toEqual({ valid: 9, warnings: 0, invalid: 1 });
    expect(report.projects.map((project) => project.verdict).filter((verdict) => verdict === "invalid")).toEqual(["invalid"]);
  });

  it("--validate-only with warnings only (a registry listed twice, as in boskos) exits 0 and names the warning", async () => {
    const tree = await writeTree({
      "manifests/k8s-staging-boskos/promoter-manifest.yaml":
        "registries:\n- name: gcr.io/k8s-staging-boskos\n  src: true\n- name: us-west1-docker.pkg.dev/prod/boskos\n- name: us-west1-docker.pkg.dev/prod/boskos\n",
      "images/k8s-staging-boskos/images.yaml": `- name: boskos\n  dmap:\n    "sha256:${"c".repeat(64)}": ["v1"]\n`,
    });
    const b = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--validate-only"], b.io)).toBe(EXIT.ok);
    expect(b.out()).toBe(
      "k8s-staging-boskos: warnings\n" +
        "  warning: manifests/k8s-staging-boskos/promoter-manifest.yaml:5:9: registries[2].name: registry listed twice (first on line 4); the duplicate is ignored\n" +
        "Projects: 0 valid, 1 with warnings, 0 invalid\n" +
        "Validated offline: no registry was contacted\n",
    );
  });

  it("caps the problems it prints and counts the rest: 100,000 bad entries print a few hundred lines", async () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => `- name: Bad${i}\n  dmap: {}\n`).join("");
    const tree = await writeTree({
      "manifests/k8s-staging-a/promoter-manifest.yaml": "registries:\n- name: gcr.io/k8s-staging-a\n  src: true\n",
      "images/k8s-staging-a/images.yaml": entries,
    });
    const strict = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--strict"], strict.io)).toBe(EXIT.invalid);
    const lines = strict.err().split("\n");
    expect(lines.length).toBeLessThan(510);
    expect(strict.err()).toContain("… and 99500 more problems not shown\n100000 problem(s); nothing was read or written\n");
    const validateOnly = captureIo();
    expect(await runPromoteCli(["--thin-manifest-dir", tree, "--validate-only"], validateOnly.io)).toBe(EXIT.invalid);
    expect(validateOnly.out().split("\n").length).toBeLessThan(210);
    expect(validateOnly.out()).toContain("  … and 99800 more problems or warnings not shown\n");
  }, 60_000);

  it("a missing fat manifest file exits 2 naming the file", async () => {
    const b = captureIo();
    expect(await runPromoteCli(["--manifest", "/nonexistent/promoter-manifest.yaml"], b.io)).toBe(EXIT.invalid);
    expect(b.err()).toContain("/nonexistent/promoter-manifest.yaml");
  });
});
