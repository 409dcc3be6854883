/**
 * The `maxConnectionsPerIpExempt` setting: IP addresses, comma-separated, that the per-IP
 * connection cap does not apply to (a trusted reverse proxy, a load-test rig).
 */
import net from 'node:net';

/** The addresses of a list, normalised as the transports see peers (no `::ffff:`, lowercase). */
export function parseIpList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) =>
      entry.startsWith('::ffff:') && net.isIPv4(entry.slice(7)) ? entry.slice(7) : entry,
    );
}

/** Why a value is not a list of IP addresses, or undefined when it is. */
export function ipListProblem(text: string): string | undefined {
  for (const entry of parseIpList(text)) {
    if (net.isIP(entry) === 0) return `${JSON.stringify(entry)} is not an IP address`;
  }
  return undefined;
}
