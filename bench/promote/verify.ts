/**
 * Checks a tool's result: every image tag in every destination resolves to the staged index digest. Asks with
 * `HEAD` and the harness's probe User-Agent, so the checks never count as the tools' traffic.
 */
import { request } from "node:http";
import { MEDIA_TYPES, PROBE_USER_AGENT } from "../../test/harness";
import type { WorkloadImage } from "./workload";

const ACCEPT = [MEDIA_TYPES.oci.index, MEDIA_TYPES.oci.manifest, MEDIA_TYPES.docker.index, MEDIA_TYPES.docker.manifest].join(", ");

function headDigest(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "HEAD", headers: { accept: ACCEPT, "user-agent": PROBE_USER_AGENT } });
    req.once("response", (res) => {
      res.resume();
      const digest = res.headers["docker-content-digest"];
      resolve(res.statusCode === 200 && typeof digest === "string" ? digest : undefined);
    });
    req.once("error", reject);
    req.end();
  });
}

/**
 * Lists what is wrong in the destinations: tags that are missing or resolve to another digest.
 *
 * @param destinations destination names (`HOST/PREFIX`, plain HTTP); image `x` is expected at `<dest>/x`
 * @param images the images with their tags and expected digests
 * @returns one line per wrong tag; empty when every tag is right
 * @throws the network error when a registry does not answer
 */
export async function findWrongTags(destinations: readonly string[], images: readonly WorkloadImage[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const destination of destinations) {
    const [host, ...prefix] = destination.split("/");
    for (const image of images) {
      const repository = [...prefix, image.name].join("/");
      const actual = await headDigest(`http://${host}/v2/${repository}/manifests/${image.tag}`);
      if (actual !== image.digest) wrong.push(`${destination}/${image.name}:${image.tag} is ${actual ?? "missing"}, want ${image.digest}`);
    }
  }
  return wrong;
}
