/** Destination registries for one benchmark workload, started together and disposed of together. */
import { startRegistry, type HarnessRegistry } from "../../test/harness";

/**
 * Starts `count` registries at once.
 *
 * @param count how many
 * @returns them, in start order
 * @throws the first start error; the ones that did start are disposed of first
 */
export async function startRegistries(count: number): Promise<HarnessRegistry[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startRegistry()));
  const running = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await disposeAll(running);
    throw failed.reason;
  }
  return running;
}

/**
 * Stops the registries and deletes their storage.
 *
 * @param registries what {@link startRegistries} returned
 */
export async function disposeAll(registries: readonly HarnessRegistry[]): Promise<void> {
  await Promise.all(registries.map((registry) => registry.dispose()));
}
