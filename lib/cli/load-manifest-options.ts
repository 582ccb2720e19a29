import { InvalidInputError } from "../diagnostics/problem";
import { loadFatManifest, loadThinManifests } from "../promote/manifests/load-manifests";
import type { Manifest } from "../promote/manifests/types";

/**
 * Loads the manifests a command names with `--thin-manifest-dir DIR` or `--manifest FILE`, printing every problem
 * (one positioned line each) when they are invalid.
 *
 * @param options the two options as parsed
 * @param stderr where problems go
 * @returns the manifests, or undefined (after printing why: invalid, unreadable or not named) when the command must
 *   stop with its invalid-input code
 */
export function loadManifestOptions(
  options: { readonly thinManifestDir?: string; readonly manifest?: string },
  stderr: { write(text: string): unknown },
): Manifest[] | undefined {
  if (!options.thinManifestDir && !options.manifest) {
    stderr.write("error: give --thin-manifest-dir DIR or --manifest FILE (see --help)\n");
    return undefined;
  }
  try {
    return options.thinManifestDir ? loadThinManifests(options.thinManifestDir) : loadFatManifest(options.manifest!);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n`);
    if (error instanceof InvalidInputError) stderr.write(`${error.problems.length} problem(s); nothing was read or written\n`);
    return undefined;
  }
}
