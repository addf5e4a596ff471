import { ConfigError, nonEmpty, type Setting } from './config-error.ts';
import {
  parseListenAddress,
  parseObservabilityListenAddress,
  type ListenAddress,
  type ListenAddressRules,
} from './listen-address.ts';

/**
 * A listen address setting (`host:port`, see {@link parseListenAddress}); `fallback` when unset.
 *
 * @example
 *   parseListenSetting({ flag: '--ssh-listen-address', env: 'BURROW_RELAY_SSH_LISTEN_ADDRESS' },
 *     undefined, '0.0.0.0:2222'); // { host: '0.0.0.0', port: 2222 }
 */
export function parseListenSetting(
  setting: Setting,
  value: string | undefined,
  fallback: string,
  rules?: ListenAddressRules,
): ListenAddress {
  const text = nonEmpty(value) ?? fallback;
  const parsed = parseListenAddress(text, rules);
  if (typeof parsed === 'string') throw new ConfigError(setting, `"${text}": ${parsed}`);
  return parsed;
}

/**
 * The observability server's listen address setting (see
 * {@link parseObservabilityListenAddress}); undefined (server off) when unset.
 */
export function parseMetricsListenSetting(
  setting: Setting,
  value: string | undefined,
): ListenAddress | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  const parsed = parseObservabilityListenAddress(text);
  if (typeof parsed === 'string') throw new ConfigError(setting, `"${text}": ${parsed}`);
  return parsed;
}
