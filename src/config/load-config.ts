import { readFile } from 'node:fs/promises';
import {
  buildConfig,
  ConfigError,
  settingsFromEnv,
  type ConfigLayer,
  type RoomwireConfig,
} from './config.js';

/** Reads a JSON config file as a layer. */
export async function readConfigFile(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('config', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('config', `${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new ConfigError('config', `${path} must hold a JSON object`);
  }
  return { source: path, values: values as Record<string, unknown> };
}

/**
 * The configuration in precedence order: defaults, then the file, then the environment, then
 * flags. `flags.config` (or `ROOMWIRE_CONFIG`) names the file.
 */
export async function loadConfig(
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): Promise<RoomwireConfig> {
  const { config: configPath, ...settings } = flags;
  const path = typeof configPath === 'string' ? configPath : env.ROOMWIRE_CONFIG;
  const layers: ConfigLayer[] = [];
  if (path !== undefined && path !== '') layers.push(await readConfigFile(path));
  layers.push(settingsFromEnv(env));
  layers.push({ source: 'command line', values: settings });
  return buildConfig(layers);
}
