import type { Problem } from "../../diagnostics/problem";
import type { ParsedYaml } from "../../yaml/parse-yaml";

/** A registry of a promoter manifest: the single source (`src: true`) or a destination. */
export interface ManifestRegistry {
  /** `host[:port][/path]`, e.g. `gcr.io/k8s-staging-etcd` or `us-central1-docker.pkg.dev/k8s-artifacts-prod/images`. */
  readonly name: string;
  /** True for the one source (staging) registry. */
  readonly src: boolean;
  /** The `service-account` written for it, if any (kpromo uses it to authenticate; kept for reporting). */
  readonly serviceAccount?: string;
  /** Index in the manifest's `registries` list, to point back at it. */
  readonly index: number;
}

/** One image entry: an image name and the digests to promote with their tags. */
export interface ManifestImage {
  /** The repository path below each registry, e.g. `kube-apiserver` or `e2e/some/subdir`. */
  readonly name: string;
  /** Digest → tags, in file order; an empty tag list promotes by digest only. */
  readonly dmap: ReadonlyMap<string, readonly string[]>;
  /** Where the entry is in its file: `[index]` in a thin `images.yaml`, `["images", index]` in a fat manifest. */
  readonly path: readonly PropertyKey[];
}

/** A certificate identity and its OIDC issuer. */
export interface AllowedSigner {
  readonly identity: string;
  readonly issuer: string;
}

/** A project's provenance policy (kpromo's `provenance:` block). */
export interface ProvenancePolicy {
  /** `require`: only images signed by an allowed signer are promoted; `warn`: others are reported; `off`: no check. */
  readonly mode: "off" | "warn" | "require";
  /** Who may have signed or attested a staging image. */
  readonly signers: readonly AllowedSigner[];
  /** When not empty: a SLSA provenance attestation by an allowed signer must name one of these builder ids. */
  readonly builders: readonly string[];
}

/** Where a part of a manifest was written, so later stages can still point at the text. */
export type YamlSource = Pick<ParsedYaml, "file" | "locate" | "problemAt">;

/** One validated promoter manifest (thin: a manifest plus its `images.yaml`; fat: a single file). */
export interface Manifest {
  /** The project: `<p>` of `manifests/<p>/`, or the base name of a fat manifest file. */
  readonly project: string;
  /** The file holding the registries, as shown in messages. */
  readonly file: string;
  /** The file holding the images (the same as {@link Manifest.file} for a fat manifest). */
  readonly imagesFile: string;
  /** Every registry, in file order; exactly one has `src: true`. */
  readonly registries: readonly ManifestRegistry[];
  /** Every image entry, in file order. */
  readonly images: readonly ManifestImage[];
  /** The provenance policy; absent means `off`. */
  readonly provenance?: ProvenancePolicy;
  /** The destination registry `--sign` signs in (and only there), when one is set; else every destination. */
  readonly signingRegistry?: string;
  /** Locates paths of {@link Manifest.registries} in {@link Manifest.file}. */
  readonly registriesSource: YamlSource;
  /** Locates paths such as `[...image.path, "dmap", digest]` in {@link Manifest.imagesFile}. */
  readonly imagesSource: YamlSource;
}

/**
 * Work refused before any registry is read, because it would land in a path that is not the project's alone: an
 * image whose destination repository lies in another project's path, or one that another project writes too.
 * The rest of the project is still promoted; `check` and `promote --strict` treat a refusal as a problem.
 */
export interface Refusal {
  /** The project whose image is refused. */
  readonly project: string;
  /** Every destination repository (`<registry>/<image>`) refused to it. */
  readonly destinations: readonly string[];
  /** Why, positioned at the image entry in the project's `images.yaml`. */
  readonly problem: Problem;
}
