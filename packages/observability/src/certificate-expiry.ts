/**
 * A gauge of seconds until each of a process's certificates expires, computed at scrape time so it
 * counts down between renewals. An alert on it (say < 2 h while renewal runs every 6 h for
 * certificates that live a day) means renewal has been failing for most of a day.
 *
 * @example
 *   const expiry = new CertificateExpiryGauge(registry, 'burrow_relay');
 *   expiry.setX509('tls-server', credentials.pki.serverCertificate);
 *   expiry.set('ssh-host', new Date(Number(sshCert.validBefore) * 1000));
 */
import { X509Certificate } from 'node:crypto';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export class CertificateExpiryGauge {
  private readonly notAfter = new Map<string, number>();

  constructor(registry: Registry, prefix: string) {
    const expiries = this.notAfter;
    new Gauge({
      name: `${prefix}_certificate_expiry_seconds`,
      help: 'Seconds until the certificate expires (negative: expired).',
      labelNames: ['certificate'],
      registers: [registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [certificate, at] of expiries) this.set({ certificate }, (at - now) / 1000);
      },
    });
  }

  /** Records when `certificate` (a short name such as `tls-server`) expires. */
  set(certificate: string, notAfter: Date): void {
    this.notAfter.set(certificate, notAfter.getTime());
  }

  /** Records the NotAfter of the first certificate of a PEM; an unparsable PEM is skipped. */
  setX509(certificate: string, pem: string): void {
    try {
      this.set(certificate, new Date(new X509Certificate(pem).validTo));
    } catch {
      // Metrics never take the process down; the credentials were checked where they are used.
    }
  }
}
