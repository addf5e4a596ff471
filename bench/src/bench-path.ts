/**
 * One way from the caller to the bench target, started for a run and stopped after it:
 *
 *   direct            caller -> target
 *   openssh-openssl   caller -> stunnel (outer TLS) -> sshd -R port -> SSH channel -> ssh -> stunnel (inner mTLS) -> target
 *   burrow            caller -> relay :8443 (outer TLS) -> SSH channel -> gateway (inner mTLS) -> target
 *
 * `roles` names the processes whose CPU and memory count for each hop.
 */
import type { Dial } from './dial.ts';
import type { ProcessRoot } from './process-stats.ts';
import type { StageScrape } from './process-stages.ts';

export type PathName = 'direct' | 'openssh-openssl' | 'burrow';
export type Role = 'caller' | 'relay' | 'gateway' | 'target';

export interface BenchPath {
  readonly name: PathName;
  /** What runs, with the exact command lines. */
  readonly commands: string[];
  readonly roles: Readonly<Record<Role, ProcessRoot[]>>;
  /** A dialer; with `resume`, its streams resume the TLS sessions of the previous ones. */
  dialer(options: { resume: boolean }): Dial;
  /** The relay's and the gateway's own setup-stage histograms (burrow only). */
  scrapeStages?(): Promise<StageScrape>;
  stop(): Promise<void>;
}
