import { digestProblem, imageNameProblem, registryNameProblem, tagProblem } from "../../../lib/promote/manifests/grammar";

const HEX64 = "0123456789abcdef".repeat(4);
const DIGEST_RULE = 'digest must be "sha256:" followed by 64 lowercase hex characters';
const NAME_RULE =
  "image name must be lowercase components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'";
const REGISTRY_RULE = "registry name must be a host[:port] followed by lowercase path components separated by '/'";

describe("digestProblem", () => {
  test.each([
    [`sha256:${HEX64}`, undefined],
    [`sha256:${HEX64.slice(1)}`, `${DIGEST_RULE} (got 63)`],
    [`sha256:${HEX64}0`, `${DIGEST_RULE} (got 65)`],
    [`sha256:${HEX64.toUpperCase()}`, DIGEST_RULE],
    [`sha512:${HEX64}`, DIGEST_RULE],
    ["", DIGEST_RULE],
  ])("%s", (digest, expected) => expect(digestProblem(digest)).toBe(expected));
});

describe("tagProblem", () => {
  test.each([
    ["1.10", undefined],
    ["v1.0.0-rc.1_build", undefined],
    ["_x", undefined],
    ["a".repeat(128), undefined],
    ["a".repeat(129), "tag must match ^\\w[\\w.-]{0,127}$"],
    [".hidden", "tag must match ^\\w[\\w.-]{0,127}$"],
    ["-x", "tag must match ^\\w[\\w.-]{0,127}$"],
    ["a:b", "tag must match ^\\w[\\w.-]{0,127}$"],
    ["", "tag must match ^\\w[\\w.-]{0,127}$"],
  ])("%s", (tag, expected) => expect(tagProblem(tag)).toBe(expected));
});

describe("imageNameProblem", () => {
  test.each([
    ["kube-apiserver", undefined],
    ["e2e/some/subdir", undefined],
    ["a__b.c--d", undefined],
    ["", "image name must not be empty"],
    ["Foo", NAME_RULE],
    ["foo/", NAME_RULE],
    ["/foo", NAME_RULE],
    ["foo//bar", NAME_RULE],
    ["foo___bar", NAME_RULE],
    ["foo:1.0", NAME_RULE],
  ])("%s", (name, expected) => expect(imageNameProblem(name)).toBe(expected));
});

describe("registryNameProblem", () => {
  test.each([
    ["gcr.io/k8s-staging-etcd", undefined],
    ["us-central1-docker.pkg.dev/k8s-artifacts-prod/images", undefined],
    ["127.0.0.1:5000", undefined],
    ["localhost:5000/prod/mirror", undefined],
    ["[::1]:5000/x", undefined],
    ["", "registry name must not be empty"],
    ["gcr.io/", REGISTRY_RULE],
    ["gcr.io/Upper", REGISTRY_RULE],
    ["https://gcr.io/x", REGISTRY_RULE],
    ["gcr.io:port/x", REGISTRY_RULE],
  ])("%s", (name, expected) => expect(registryNameProblem(name)).toBe(expected));
});
