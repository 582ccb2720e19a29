import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UniverseProject } from "./generate-universe";

/**
 * Writes generated projects as a thin manifest tree (`manifests/<p>/promoter-manifest.yaml` and
 * `images/<p>/images.yaml`), in the layout and style of kubernetes/k8s.io, so loading can be measured too.
 *
 * @param dir an existing, empty directory
 * @param projects generated projects
 * @returns the bytes written to `images.yaml` files in total
 * @throws Error when a file cannot be written
 * @example
 * writeThinTree(mkdtempSync(join(tmpdir(), "universe-")), generateUniverse().projects);
 */
export function writeThinTree(dir: string, projects: readonly UniverseProject[]): number {
  let imagesBytes = 0;
  for (const project of projects) {
    mkdirSync(join(dir, "manifests", project.project), { recursive: true });
    mkdirSync(join(dir, "images", project.project), { recursive: true });
    const registries = [
      `registries:\n- name: ${project.source}\n  src: true\n`,
      ...project.destinations.map(
        (name) => `- name: ${name}\n  service-account: k8s-infra-gcr-promoter@k8s-artifacts-prod.iam.gserviceaccount.com\n`,
      ),
    ];
    writeFileSync(join(dir, "manifests", project.project, "promoter-manifest.yaml"), registries.join(""));
    const lines: string[] = [];
    for (const [name, dmap] of project.images) {
      lines.push(`- name: ${name}`, "  dmap:");
      for (const [digest, tags] of dmap) lines.push(`    "${digest}": [${tags.map((tag) => `"${tag}"`).join(", ")}]`);
    }
    const text = `${lines.join("\n")}\n`;
    imagesBytes += Buffer.byteLength(text);
    writeFileSync(join(dir, "images", project.project, "images.yaml"), text);
  }
  return imagesBytes;
}
