/**
 * The relay's Prometheus metrics (served on --metrics-listen-address, see README "Operations").
 *
 *   burrow_relay_gateways_connected                    gauge    gateways with a live SSH tunnel here
 *   burrow_relay_gateway_connections_total{result}     counter  connected | replaced | refused | disconnected
 *   burrow_relay_handshake_failures_total{listener,reason}  counter  tls|ssh refusals by reason
 *   burrow_relay_connections_refused_total{listener,reason} counter  accept limiter and stream cap
 *   burrow_relay_caller_refusals_total{reason}         counter  verified callers the relay closed
 *   burrow_relay_streams_open                          gauge    spliced caller streams
 *   burrow_relay_streams_total{result}                 counter  ok | error | idle_timeout | drained
 *   burrow_relay_stream_bytes_total{direction}         counter  from_caller | from_gateway
 *   burrow_relay_stream_setup_seconds                  histogram accept -> channel to gateway open
 *   burrow_relay_stream_setup_stage_seconds{stage}     histogram one stream's setup, stage by stage
 *                                                               (STREAM_SETUP_STAGES), streams that
 *                                                               got a channel only
 *   burrow_relay_caller_bytes_at_channel_open_total{buffered}  counter  had the caller already sent
 *                                                               its first byte (the inner ClientHello)
 *                                                               when the channel opened: true|false
 *   burrow_relay_certificate_expiry_seconds{certificate}  gauge tls-server | ssh-host
 *   burrow_relay_draining                              gauge    1 while draining after SIGTERM
 *   burrow_relay_* process metrics                     prom-client defaults (memory, fds, event loop)
 */
import {
  CertificateExpiryGauge,
  Counter,
  Gauge,
  Histogram,
  Registry,
  SETUP_STAGE_BUCKETS_SECONDS,
  collectDefaultMetrics,
} from '@burrow/observability';

/**
 * The stages of a new stream as the relay sees them; each runs from the end of the one before
 * (the first from TCP accept), so they add up to the relay's part of a stream's setup:
 *
 *   caller_tls             TCP accept -> caller TLS handshake done (the handshake-slot wait included)
 *   route                  -> certificate checked, route decided, gateway session found
 *   channel_open           -> the SSH channel to the gateway is open (CHANNEL_OPEN_CONFIRMATION)
 *   first_byte_to_gateway  -> the caller's first byte (its inner ClientHello) written to the channel
 *   first_byte_to_caller   -> the gateway's first byte (its ServerHello) written to the caller
 */
export const STREAM_SETUP_STAGES = [
  'caller_tls',
  'route',
  'channel_open',
  'first_byte_to_gateway',
  'first_byte_to_caller',
] as const;
export type StreamSetupStage = (typeof STREAM_SETUP_STAGES)[number];

export class RelayMetrics {
  readonly registry = new Registry();
  readonly gatewaysConnected: Gauge;
  readonly gatewayConnections: Counter<'result'>;
  readonly handshakeFailures: Counter<'listener' | 'reason'>;
  readonly connectionsRefused: Counter<'listener' | 'reason'>;
  readonly callerRefusals: Counter<'reason'>;
  readonly streamsOpen: Gauge;
  readonly streams: Counter<'result'>;
  readonly streamBytes: Counter<'direction'>;
  readonly streamSetupSeconds: Histogram;
  readonly streamSetupStageSeconds: Histogram<'stage'>;
  readonly callerBytesAtChannelOpen: Counter<'buffered'>;
  readonly certificateExpiry: CertificateExpiryGauge;
  readonly draining: Gauge;
  readonly streamBufferedBytes: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_relay_' });
    this.gatewaysConnected = new Gauge({
      name: 'burrow_relay_gateways_connected',
      help: 'Gateways with a live SSH tunnel to this relay.',
      registers,
    });
    this.gatewayConnections = new Counter({
      name: 'burrow_relay_gateway_connections_total',
      help: 'Gateway tunnel events: connected, replaced (a reconnect replaced one that did not answer), refused (its live connection answered), disconnected.',
      labelNames: ['result'],
      registers,
    });
    this.handshakeFailures = new Counter({
      name: 'burrow_relay_handshake_failures_total',
      help: 'Failed caller TLS handshakes and gateway SSH logins, by listener and reason.',
      labelNames: ['listener', 'reason'],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'burrow_relay_connections_refused_total',
      help: 'Connections refused by the accept limiter or the per-gateway stream cap.',
      labelNames: ['listener', 'reason'],
      registers,
    });
    this.callerRefusals = new Counter({
      name: 'burrow_relay_caller_refusals_total',
      help: 'Verified callers closed without a stream (gateway not connected, channel failed, ...).',
      labelNames: ['reason'],
      registers,
    });
    this.streamsOpen = new Gauge({
      name: 'burrow_relay_streams_open',
      help: 'Caller streams spliced to a gateway right now.',
      registers,
    });
    this.streams = new Counter({
      name: 'burrow_relay_streams_total',
      help: 'Finished caller streams by how they ended.',
      labelNames: ['result'],
      registers,
    });
    this.streamBytes = new Counter({
      name: 'burrow_relay_stream_bytes_total',
      help: 'Bytes spliced between callers and gateways.',
      labelNames: ['direction'],
      registers,
    });
    this.streamSetupSeconds = new Histogram({
      name: 'burrow_relay_stream_setup_seconds',
      help: 'From TCP accept on :8443 to the channel to the gateway being open.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.streamSetupStageSeconds = new Histogram({
      name: 'burrow_relay_stream_setup_stage_seconds',
      help: 'Each stage of a new stream at the relay, from the end of the one before: caller_tls (from accept), route, channel_open, first_byte_to_gateway, first_byte_to_caller.',
      labelNames: ['stage'],
      buckets: SETUP_STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.callerBytesAtChannelOpen = new Counter({
      name: 'burrow_relay_caller_bytes_at_channel_open_total',
      help: 'Streams whose caller had (true) or had not yet (false) sent its first byte when the channel to the gateway opened.',
      labelNames: ['buffered'],
      registers,
    });
    this.certificateExpiry = new CertificateExpiryGauge(this.registry, 'burrow_relay');
    this.draining = new Gauge({
      name: 'burrow_relay_draining',
      help: '1 while the relay drains after SIGTERM.',
      registers,
    });
    const bufferedBytes = (): number => this.bufferedBytesSource();
    this.streamBufferedBytes = new Gauge({
      name: 'burrow_relay_stream_buffered_bytes',
      help: 'Bytes the relay holds for open streams (read from one side, not yet flushed to the other).',
      registers,
      collect() {
        this.set(bufferedBytes());
      },
    });
  }

  /** Observes one setup stage of a stream, `seconds` long. */
  setupStageDone(stage: StreamSetupStage, seconds: number): void {
    this.streamSetupStageSeconds.observe({ stage }, seconds);
  }

  private bufferedBytesSource: () => number = () => 0;

  /** Reads `bytes()` whenever the metrics are scraped. */
  collectBufferedBytes(bytes: () => number): void {
    this.bufferedBytesSource = bytes;
  }
}
