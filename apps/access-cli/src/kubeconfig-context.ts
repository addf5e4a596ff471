/**
 * `burrow pam access` for a kubernetes account (reference §8.1 step 7): a kubeconfig cluster,
 * user and context named `burrow-<account>` pointing at the session's local listener
 * (`http://127.0.0.1:<port>`, no credentials: the gateway injects the service-account token), made
 * the current context so plain `kubectl` works; when the session ends the context, cluster and
 * user are deleted and the previous current context is restored.
 *
 * The kubeconfig is edited with `kubectl config …` itself (the file kubectl would use: $KUBECONFIG
 * or ~/.kube/config), so its format, merging and file mode stay kubectl's business.
 */
import { execFileSync } from 'node:child_process';
import { CliError, EXIT_CODES } from './cli-error.ts';

export interface KubeconfigContext {
  readonly name: string;
  /** The context that was current before, restored by restore(); undefined if there was none. */
  readonly previous: string | undefined;
  restore(): void;
}

function kubectl(args: string[]): string {
  return execFileSync('kubectl', ['config', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15_000,
  }).trim();
}

/**
 * @example
 *   const context = writeKubeconfigContext('prod/cluster-admin', 43117);
 *   // … kubectl get pods …
 *   context.restore();
 */
export function writeKubeconfigContext(accountPath: string, port: number): KubeconfigContext {
  const name = `burrow-${accountPath.replace(/[^a-z0-9-]+/gi, '-')}`;
  let previous: string | undefined;
  try {
    try {
      previous = kubectl(['current-context']) || undefined;
    } catch {
      previous = undefined; // no kubeconfig yet, or no current context
    }
    kubectl(['set-cluster', name, `--server=http://127.0.0.1:${port}`]);
    kubectl(['set-credentials', name]);
    kubectl(['set-context', name, `--cluster=${name}`, `--user=${name}`]);
    kubectl(['use-context', name]);
  } catch (error) {
    const detail =
      (error as { code?: string }).code === 'ENOENT'
        ? 'kubectl is not installed'
        : ((error as { stderr?: string }).stderr?.trim() ?? String(error));
    throw new CliError(
      `cannot write the kubeconfig context ${name}: ${detail}; point your Kubernetes client at http://127.0.0.1:${port} instead`,
      EXIT_CODES.failure,
    );
  }
  let restored = false;
  return {
    name,
    previous,
    restore() {
      if (restored) return;
      restored = true;
      for (const args of [
        ...(previous ? [['use-context', previous]] : [['unset', 'current-context']]),
        ['delete-context', name],
        ['delete-cluster', name],
        ['delete-user', name],
      ]) {
        try {
          kubectl(args);
        } catch {
          // Best effort: a kubeconfig edited meanwhile keeps what it has.
        }
      }
    },
  };
}
