import { createServer } from "node:net";

/**
 * Asks the kernel for a TCP port that is free on 127.0.0.1 right now. Another process may still take it before
 * the caller binds it, so callers that start servers on it retry on "address already in use".
 *
 * @returns a port number
 * @throws the listen error when no port can be bound
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("the kernel returned no port"))));
    });
  });
}
