import { compareProblems, formatProblem } from "../../../lib/diagnostics/problem";
import { validateFatManifest, validateThinManifest } from "../../../lib/promote/manifests/validate-manifest";
import { parseYaml } from "../../../lib/yaml/parse-yaml";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const MANIFEST = "manifests/p/promoter-manifest.yaml";
const IMAGES = "images/p/images.yaml";
const GOOD_REGISTRIES = "registries:\n- name: gcr.io/k8s-staging-p\n  src: true\n- name: us.gcr.io/prod/p\n";
const GOOD_IMAGES = `- name: foo\n  dmap:\n    "${A}": ["1.10"]\n`;

function thin(manifestText: string, imagesText: string) {
  return validateThinManifest(
    "p",
    parseYaml(MANIFEST, manifestText, { schema: "failsafe", identicalDuplicates: "warning" }),
    parseYaml(IMAGES, imagesText, { schema: "failsafe", identicalDuplicates: "warning" }),
  );
}

function lines(result: { problems: readonly Parameters<typeof formatProblem>[0][] }): string[] {
  return [...result.problems].sort(compareProblems).map(formatProblem);
}

describe("validateThinManifest", () => {
  it("builds the manifest, keeping tags exactly as written and ignoring imagesPath", () => {
    const result = thin(
      `${GOOD_REGISTRIES}  service-account: sa@robot.com\nimagesPath: "../../images/p.yaml"\n`,
      `${GOOD_IMAGES}- name: e2e/bar\n  dmap:\n    ${B}: []\n`,
    );
    expect(result.problems).toEqual([]);
    const manifest = result.manifest!;
    expect(manifest.project).toBe("p");
    expect(manifest.file).toBe(MANIFEST);
    expect(manifest.imagesFile).toBe(IMAGES);
    expect(manifest.registries).toEqual([
      { name: "gcr.io/k8s-staging-p", src: true, index: 0 },
      { name: "us.gcr.io/prod/p", src: false, serviceAccount: "sa@robot.com", index: 1 },
    ]);
    expect(manifest.images).toEqual([
      { name: "foo", dmap: new Map([[A, ["1.10"]]]), path: [0] },
      { name: "e2e/bar", dmap: new Map([[B, []]]), path: [1] },
    ]);
    expect(manifest.imagesSource.locate([1, "dmap", B], "key")).toEqual({ line: 6, col: 5 });
  });

  test.each([["# No images yet\n"], [""]])("a blank images.yaml (%j) means no images", (imagesText) => {
    const result = thin(GOOD_REGISTRIES, imagesText);
    expect(result.problems).toEqual([]);
    expect(result.manifest!.images).toEqual([]);
  });

  test.each<[string, string, string, string[]]>([
    [
      "unknown keys in both files",
      `${GOOD_REGISTRIES}  region: us\nextra: 1\n`,
      `- name: foo\n  dmap: {}\n  tags: []\n`,
      [
        "images/p/images.yaml:3:3: [0].tags: unknown key",
        "manifests/p/promoter-manifest.yaml:5:3: registries[1].region: unknown key",
        "manifests/p/promoter-manifest.yaml:6:1: extra: unknown key",
      ],
    ],
    [
      "duplicate keys",
      "registries:\n- name: gcr.io/s\n  src: false\n  src: true\n",
      `- name: foo\n  dmap:\n    "${A}": [a]\n    "${A}": [b]\n`,
      [
        `images/p/images.yaml:4:5: [0].dmap["${A}"]: duplicate key (first on line 3)`,
        "manifests/p/promoter-manifest.yaml:4:3: registries[0].src: duplicate key (first on line 3)",
      ],
    ],
    [
      "src must be true or false",
      "registries:\n- name: gcr.io/s\n  src: yes\n",
      GOOD_IMAGES,
      ["manifests/p/promoter-manifest.yaml:3:8: registries[0].src: expected true or false"],
    ],
    [
      "no source registry",
      "registries:\n- name: gcr.io/s\n  src: false\n- name: gcr.io/d\n",
      GOOD_IMAGES,
      ["manifests/p/promoter-manifest.yaml:2:1: registries: exactly one registry must have src: true (found none)"],
    ],
    [
      "an empty registries list",
      "registries: []\n",
      GOOD_IMAGES,
      ["manifests/p/promoter-manifest.yaml:1:13: registries: exactly one registry must have src: true (found none)"],
    ],
    [
      "two source registries",
      "registries:\n- name: gcr.io/s\n  src: true\n- name: gcr.io/t\n  src: true\n",
      GOOD_IMAGES,
      ["manifests/p/promoter-manifest.yaml:5:8: registries[1].src: only one registry may be the source (first on line 3)"],
    ],
    [
      "missing registries and image fields",
      "imagesPath: x\n",
      "- name: foo\n- dmap: {}\n",
      [
        "images/p/images.yaml:1:3: [0].dmap: required",
        "images/p/images.yaml:2:3: [1].name: required",
        "manifests/p/promoter-manifest.yaml:1:1: registries: required",
      ],
    ],
    [
      "empty and malformed registry names, a registry listed as source and as destination",
      'registries:\n- name: ""\n  src: true\n- name: gcr.io/d/\n- name: gcr.io/s\n  src: true\n- name: gcr.io/s\n',
      GOOD_IMAGES,
      [
        "manifests/p/promoter-manifest.yaml:2:9: registries[0].name: registry name must not be empty",
        "manifests/p/promoter-manifest.yaml:4:9: registries[1].name: registry name must be a host[:port] followed by lowercase path components separated by '/'",
        "manifests/p/promoter-manifest.yaml:6:8: registries[2].src: only one registry may be the source (first on line 3)",
        "manifests/p/promoter-manifest.yaml:7:9: registries[3].name: registry listed twice, as source and as destination (first on line 5)",
      ],
    ],
    [
      "bad image names, digests and tags",
      GOOD_REGISTRIES,
      `- name: Foo\n  dmap:\n    "sha256:abc": [ok]\n    "${B}": [".bad", "1.0"]\n- name: ""\n  dmap: {}\n`,
      [
        "images/p/images.yaml:1:9: [0].name: image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'",
        `images/p/images.yaml:3:5: [0].dmap["sha256:abc"]: digest must be "sha256:" followed by 64 lowercase hex characters (got 3)`,
        `images/p/images.yaml:4:81: [0].dmap["${B}"][0]: tag must match ^\\w[\\w.-]{0,127}$`,
        "images/p/images.yaml:5:9: [1].name: image name must not be empty",
      ],
    ],
    [
      "wrong shapes: a map instead of a list, a scalar instead of tags",
      GOOD_REGISTRIES,
      `name: foo\n`,
      ["images/p/images.yaml:1:1: expected array, received object"],
    ],
    [
      "an empty tag value",
      GOOD_REGISTRIES,
      `- name: foo\n  dmap:\n    "${A}":\n`,
      [`images/p/images.yaml:3:79: [0].dmap["${A}"]: expected array, received string`],
    ],
    [
      "a YAML syntax error in images.yaml is not mistaken for a blank file",
      GOOD_REGISTRIES,
      `- name: [foo\n`,
      ["images/p/images.yaml:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ],
  ])("reports %s", (_name, manifestText, imagesText, expected) => {
    const result = thin(manifestText, imagesText);
    expect(result.manifest).toBeUndefined();
    expect(lines(result)).toEqual(expected);
  });
});

describe("validateThinManifest warnings: things that cannot change what is promoted", () => {
  it("warns of a registry, a tag, a digest key and an image entry listed twice, and keeps each once", () => {
    const result = thin(
      `${GOOD_REGISTRIES}- name: us.gcr.io/prod/p\n  service-account: other@robot.com\n`,
      `- name: foo\n  dmap:\n    "${A}": ["1.0", "1.0"]\n    "${A}": ["1.0", "1.0"]\n- name: foo\n  dmap:\n    "${A}": ["1.0", "1.0"]\n- name: foo\n  dmap:\n    "${B}": []\n`,
    );
    expect(result.problems).toEqual([]);
    expect([...result.warnings].sort(compareProblems).map(formatProblem)).toEqual([
      `images/p/images.yaml:4:5: [0].dmap["${A}"]: duplicate key with the same value as on line 3; the duplicate changes nothing`,
      `images/p/images.yaml:4:88: [0].dmap["${A}"][1]: tag listed twice; the duplicate changes nothing`,
      "images/p/images.yaml:5:9: [1].name: image entry repeats the one on line 1; the duplicate changes nothing",
      `images/p/images.yaml:7:88: [1].dmap["${A}"][1]: tag listed twice; the duplicate changes nothing`,
      "manifests/p/promoter-manifest.yaml:5:9: registries[2].name: registry listed twice (first on line 4); the duplicate is ignored",
    ]);
    expect(result.manifest!.registries.map((r) => r.name)).toEqual(["gcr.io/k8s-staging-p", "us.gcr.io/prod/p"]);
    expect(result.manifest!.images.map((image) => [image.name, [...image.dmap.keys()]])).toEqual([["foo", [A]], ["foo", [B]]]);
  });
});

describe("validateFatManifest", () => {
  const parse = (text: string) => parseYaml("fat.yaml", text, { schema: "failsafe" });

  it("reads registries and images from one file, images under the images key", () => {
    const result = validateFatManifest("fat.yaml", parse(`${GOOD_REGISTRIES}images:\n${GOOD_IMAGES}`));
    expect(result.problems).toEqual([]);
    expect(result.manifest!.file).toBe("fat.yaml");
    expect(result.manifest!.imagesFile).toBe("fat.yaml");
    expect(result.manifest!.images).toEqual([{ name: "foo", dmap: new Map([[A, ["1.10"]]]), path: ["images", 0] }]);
  });

  it("treats a missing images key as no images", () => {
    expect(validateFatManifest("fat.yaml", parse(GOOD_REGISTRIES)).manifest!.images).toEqual([]);
  });

  it("reports shape and naming problems with their paths under images", () => {
    const result = validateFatManifest(
      "fat.yaml",
      parse(`${GOOD_REGISTRIES}images:\n- name: foo\n  dmap:\n    "${A}": ["a b"]\nother: 1\n`),
    );
    expect(lines(result)).toEqual(["fat.yaml:9:1: other: unknown key"]);
    const naming = validateFatManifest("fat.yaml", parse(`${GOOD_REGISTRIES}images:\n- name: foo\n  dmap:\n    "${A}": ["a b"]\n`));
    expect(lines(naming)).toEqual([`fat.yaml:8:81: images[0].dmap["${A}"][0]: tag must match ^\\w[\\w.-]{0,127}$`]);
  });
});
