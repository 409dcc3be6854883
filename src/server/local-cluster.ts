import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What {@link startLocalCluster} starts. */
export interface LocalClusterOptions {
  /** How many node processes. */
  readonly nodes: number;
  /** Redis URL every node uses (`--cluster`). */
  readonly redisUrl: string;
  /** TCP/UDP port of the first node, the others counting up from it; 0 picks free ones. */
  readonly port: number;
  /** HTTP port of the first node, likewise. */
  readonly httpPort: number;
  /** More `roomwire` flags for every node (`--cluster-prefix`, `--log-level`...). */
  readonly args?: readonly string[];
  /** Receives each node's output lines (its JSON logs), tagged with the node's index. */
  readonly onOutput?: (node: number, line: string) => void;
}

/** One running node process. */
export interface LocalClusterNode {
  readonly child: ChildProcess;
  readonly port: number;
  readonly httpPort: number;
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const LISTENING = 'roomwire listening on tcp and udp';

/**
 * Starts a cluster of node processes on this machine (`roomwire cluster`, `npm run cluster`, the
 * benchmark), each `roomwire serve --cluster URL` on consecutive ports, and resolves once every
 * node listens. Rejects, stopping the nodes already started, if one fails to start.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalClusterNode[]> {
  const args = options.args ?? [];
  const level = args[args.indexOf('--log-level') + 1];
  if (args.includes('--log-level') && !['info', 'debug', 'trace'].includes(level ?? '')) {
    // The ports are read from each node's "listening" line, logged at info.
    throw new Error('the nodes of a local cluster log at info or lower (--log-level info)');
  }
  const nodes: LocalClusterNode[] = [];
  try {
    for (let index = 0; index < options.nodes; index += 1) {
      nodes.push(await startNode(options, index));
    }
  } catch (error) {
    await stopLocalCluster(nodes);
    throw error;
  }
  return nodes;
}

/** Stops the nodes with SIGTERM (a graceful stop each) and waits for them to exit. */
export async function stopLocalCluster(nodes: readonly LocalClusterNode[]): Promise<void> {
  await Promise.all(
    nodes.map(({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

/**
 * Starts node `index` of a local cluster alone: on its own ports by default, or on the ports
 * it had (`ports`), to restart it where its clients knew it.
 */
export function startNode(
  options: LocalClusterOptions,
  index: number,
  ports?: { readonly port: number; readonly httpPort: number },
): Promise<LocalClusterNode> {
  const offset = (base: number): string => String(base === 0 ? 0 : base + index);
  const args = [
    CLI,
    'serve',
    ...['--cluster', options.redisUrl],
    ...['--port', ports === undefined ? offset(options.port) : String(ports.port)],
    ...['--http-port', ports === undefined ? offset(options.httpPort) : String(ports.httpPort)],
    ...(options.args ?? []),
  ];
  // Its own process group: a Ctrl-C in the terminal reaches the parent alone, which then stops
  // each node once, gracefully (a second signal would make a node exit at once). The IPC
  // channel is how a node learns that its parent is gone, even by SIGKILL (run-server.ts).
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    detached: true,
  });
  const orphanGuard = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`cluster node ${index} exited before listening (code ${code})`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      options.onOutput?.(index, line);
      if (!line.includes(LISTENING)) return;
      const entry = JSON.parse(line) as { port: number; httpPort: number };
      child.off('exit', onExit);
      resolve({ child, port: entry.port, httpPort: entry.httpPort });
    });
  });
}
