/**
 * The `wsAllowedOrigins` setting: page origins (`https://game.example:8443`) allowed to open a
 * WebSocket, comma-separated. Browsers send an origin as scheme, host and port only, lowercase.
 */

/** The origins of a `wsAllowedOrigins` value, normalised; empty for an empty value. */
export function parseOriginList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) => (entry.endsWith('/') ? entry.slice(0, -1) : entry));
}

/** Why a `wsAllowedOrigins` value is not a list of origins, or undefined when it is. */
export function originListProblem(text: string): string | undefined {
  for (const origin of parseOriginList(text)) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      return `${JSON.stringify(origin)} is not an origin like https://game.example or http://localhost:8080`;
    }
  }
  return undefined;
}
