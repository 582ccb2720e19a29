import { request } from "node:http";

/** User-Agent of the harness's own probes, so request counts from the access log can leave them out. */
export const PROBE_USER_AGENT = "k8s-staging-harness-probe";

/**
 * Sends one GET over plain HTTP with `node:http` and the probe's own user agent, so the harness's own traffic
 * can be told apart in access logs.
 *
 * @param url the URL to get
 * @param timeoutMs how long to wait for the response head
 * @returns the status and headers, or `undefined` when nothing answered (refused, reset, timed out)
 */
export function probe(
  url: string,
  timeoutMs = 1000,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", headers: { "user-agent": PROBE_USER_AGENT }, timeout: timeoutMs });
    req.once("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
    req.end();
  });
}
