/** Keeps the nodes of `roomwire cluster` running: reports a node that dies and restarts it. */
import {
  startNode,
  stopLocalCluster,
  type LocalClusterNode,
  type LocalClusterOptions,
} from '../server/local-cluster.js';

/** The first restart waits this long; each quick death in a row doubles it, up to the cap. */
export const RESTART_FIRST_DELAY_MS = 1_000;
export const RESTART_MAX_DELAY_MS = 30_000;
/** A node that ran this long before dying starts again from the first delay. */
const HEALTHY_RUN_MS = 60_000;
/** Quick deaths in a row after which the launcher gives up and stops every node. */
export const MAX_QUICK_DEATHS = 5;

interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Watches every node until the launcher is told to stop (SIGINT/SIGTERM: resolves 0) or a node
 * keeps dying (resolves 1, after stopping the others).
 */
export function superviseCluster(
  started: readonly LocalClusterNode[],
  options: LocalClusterOptions,
  io: Io,
): Promise<number> {
  const nodes = [...started];
  const deaths = nodes.map(() => 0);
  let stopping = false;
  return new Promise((resolve) => {
    const stop = (code: number): void => {
      if (stopping) return;
      stopping = true;
      void stopLocalCluster(nodes).then(() => resolve(code));
    };
    process.once('SIGINT', () => stop(0));
    process.once('SIGTERM', () => stop(0));

    const died = (index: number, ranMs: number, how: string): void => {
      if (stopping) return;
      deaths[index] = ranMs >= HEALTHY_RUN_MS ? 1 : (deaths[index] ?? 0) + 1;
      const count = deaths[index] ?? 1;
      io.stderr.write(`roomwire cluster: node ${index} ${how}\n`);
      if (count > MAX_QUICK_DEATHS) {
        io.stderr.write(
          `roomwire cluster: node ${index} died ${MAX_QUICK_DEATHS + 1} times in a row: stopping every node\n`,
        );
        stop(1);
        return;
      }
      const delay = Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** (count - 1));
      io.stderr.write(`roomwire cluster: restarting node ${index} in ${delay / 1000} s\n`);
      setTimeout(() => restart(index), delay).unref();
    };

    const restart = (index: number): void => {
      if (stopping) return;
      const previous = nodes[index] as LocalClusterNode;
      const startedAt = Date.now();
      startNode(options, index, previous).then(
        (node) => {
          nodes[index] = node;
          if (stopping) {
            void stopLocalCluster([node]);
            return;
          }
          io.stdout.write(
            `node ${index}: tcp/udp ${node.port}, http ${node.httpPort} (pid ${node.child.pid}), restarted\n`,
          );
          watch(index);
        },
        (error: unknown) => died(index, Date.now() - startedAt, (error as Error).message),
      );
    };

    const watch = (index: number): void => {
      const node = nodes[index] as LocalClusterNode;
      const startedAt = Date.now();
      node.child.once('exit', (code, signal) => {
        const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
        died(index, Date.now() - startedAt, `(pid ${node.child.pid}) ${how}`);
      });
    };
    nodes.forEach((_, index) => watch(index));
  });
}
