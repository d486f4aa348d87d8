/**
 * The only place that reads the environment and config files: defaults, then the
 * JSON file named by KEYWARDEN_CONFIG, then environment variables. The result is
 * validated, durations are already `...Ms` numbers, and the object is frozen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { invalidConfig } from '../../shared/errors';
import { settings, type SettingName, type Settings } from './config-schema';

type Parsed<K extends SettingName> = ReturnType<Settings[K]['parse']>;

export type Config = Readonly<{
  [K in SettingName]: Settings[K] extends { default: string } ? Parsed<K> : Parsed<K> | undefined;
}> & { readonly storeUrl: string };

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw invalidConfig(`KEYWARDEN_CONFIG=${file}: cannot read the file`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch (cause) {
    throw invalidConfig(`KEYWARDEN_CONFIG=${file}: not valid JSON`, { cause });
  }
  throw invalidConfig(`KEYWARDEN_CONFIG=${file}: expected a JSON object of settings`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.KEYWARDEN_CONFIG ? readConfigFile(env.KEYWARDEN_CONFIG) : {};
  for (const key of Object.keys(file)) {
    if (!(key in settings)) {
      throw invalidConfig(
        `config file: unknown setting "${key}"; known: ${Object.keys(settings).join(', ')}`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(settings)) {
    const fromEnv = env[spec.env];
    const fromFile = file[name];
    let raw: string | undefined = 'default' in spec ? spec.default : undefined;
    let label = spec.env;
    if (fromFile !== undefined) {
      raw = typeof fromFile === 'string' ? fromFile : JSON.stringify(fromFile);
      label = `${name} (config file)`;
    }
    if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      label = spec.env;
    }
    out[name] =
      raw === undefined ? undefined : (spec.parse as (r: string, n: string) => unknown)(raw, label);
  }
  const dataDir = path.resolve(out.dataDir as string);
  out.dataDir = dataDir;
  out.storeUrl =
    (out.store as string | undefined) ?? `sqlite:${path.join(dataDir, 'keywarden.db')}`;
  return Object.freeze(out) as Config;
}
