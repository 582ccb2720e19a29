import type { Manifest } from "../../lib/promote/manifests/types";
import type { UniverseProject } from "./generate-universe";

/**
 * Builds in-memory manifests from generated projects, skipping YAML entirely (positions point nowhere), for
 * measuring the planner alone. {@link writeThinTree} plus loadThinManifests measures loading as well.
 *
 * @param projects generated projects
 * @returns one manifest per project, in the given order
 */
export function toManifests(projects: readonly UniverseProject[]): Manifest[] {
  return projects.map((project) => {
    const file = `manifests/${project.project}/promoter-manifest.yaml`;
    const imagesFile = `images/${project.project}/images.yaml`;
    const nowhere = (name: string) => ({
      file: name,
      locate: () => ({ line: 1, col: 1 }),
      problemAt: (_path: readonly PropertyKey[], message: string) => ({ file: name, line: 1, col: 1, path: "", message }),
    });
    return {
      project: project.project,
      file,
      imagesFile,
      registries: [
        { name: project.source, src: true, index: 0 },
        ...project.destinations.map((name, i) => ({ name, src: false, index: i + 1 })),
      ],
      images: [...project.images].map(([name, dmap], index) => ({ name, dmap, path: [index] })),
      registriesSource: nowhere(file),
      imagesSource: nowhere(imagesFile),
    };
  });
}
