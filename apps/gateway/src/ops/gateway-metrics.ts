/**
 * The gateway's Prometheus metrics (served on --metrics-listen-address, see README "Operations").
 *
 *   burrow_gateway_relay_tunnel_up{relay}                  gauge    1 while the SSH tunnel is up
 *   burrow_gateway_relay_draining{relay}                   gauge    1 after that relay's drain notice
 *   burrow_gateway_reconnects_total{relay}                 counter  tunnels re-established
 *   burrow_gateway_drain_notices_total{relay}              counter  drain notices received
 *   burrow_gateway_handshake_failures_total{reason}        counter  inner mTLS handshakes refused
 *   burrow_gateway_streams_open                            gauge    inner TLS streams open now
 *   burrow_gateway_streams_total{action}                   counter  streams by ALPN action
 *   burrow_gateway_stream_setup_stage_seconds{stage}       histogram one stream's setup, stage by
 *                                                                   stage (STREAM_SETUP_STAGES),
 *                                                                   streams the gateway served only
 *   burrow_gateway_certificate_expiry_seconds{certificate} gauge    inner-tls-server, ssh-<relay>
 *   burrow_gateway_recording_queue_depth                   gauge    PAM recording events not yet
 *   burrow_gateway_recording_queue_oldest_seconds          gauge    acknowledged, and the oldest's
 *                                                                   age (the uploader's backlog)
 *   burrow_gateway_recording_storage_bytes                 gauge    disk the local PAM recordings take
 *   burrow_gateway_recording_storage_max_bytes             gauge    --pam-session-recording-max-bytes
 *   burrow_gateway_pam_sessions_refused_total{reason}      counter  sessions refused by the gateway
 *                                                                   ("recording storage full")
 *   burrow_gateway_recording_records_total                 counter  PAM recording records written
 *   burrow_gateway_recording_fsyncs_total                  counter  fsyncs that made them durable
 *                                                                   (group commit: records / fsyncs
 *                                                                   = records per fsync)
 *   burrow_gateway_* process metrics                       prom-client defaults
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
import { recordingWriteTotals } from '@burrow/session-recorder';

/** The PAM uploader's backlog as the queue gauges show it (observeRecordings). */
export interface RecordingQueueState {
  /** Recorded events not yet acknowledged by the control plane. */
  readonly depth: number;
  /** Age of the oldest unacknowledged event, in seconds (0 when empty). */
  readonly oldestAgeSeconds: number;
}

/** One relay as the gateway sees it right now. */
export interface RelayState {
  readonly relay: string;
  readonly up: boolean;
  readonly draining: boolean;
}

/**
 * The stages of a new stream as the gateway sees them; each runs from the end of the one before
 * (the first from the relay's channel being accepted), so they add up to the gateway's part:
 *
 *   first_byte      relay channel accepted -> its first byte (the caller's inner ClientHello)
 *   inner_tls       -> inner TLS handshake done (for TLS 1.3 this includes the round trip to
 *                      the caller for its Finished)
 *   dispatch        -> caller certificate checked, extensions read, the action started
 *   target_connect  -> the action's target connected (actions that connect one: tcp-proxy)
 */
export const STREAM_SETUP_STAGES = [
  'first_byte',
  'inner_tls',
  'dispatch',
  'target_connect',
] as const;
export type StreamSetupStage = (typeof STREAM_SETUP_STAGES)[number];

/** The refusal reason of a session refused at the recording storage bound. */
export const REFUSED_RECORDING_STORAGE_FULL = 'recording storage full';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly reconnects: Counter<'relay'>;
  readonly drainNotices: Counter<'relay'>;
  readonly handshakeFailures: Counter<'reason'>;
  readonly streams: Counter<'action'>;
  readonly streamSetupStageSeconds: Histogram<'stage'>;
  readonly certificateExpiry: CertificateExpiryGauge;
  /** Set by the gateway; read at scrape time. */
  relayStates: () => readonly RelayState[] = () => [];
  /** Set by whoever owns the streams; read at scrape time. */
  openStreams: () => number = () => 0;
  /** Set by observeRecordings; read at scrape time (unset or undefined: the gauges read 0). */
  private recordingQueue: (() => RecordingQueueState | undefined) | undefined;
  /** Set by observeRecordings; read at scrape time. */
  private recordingStorage:
    (() => Promise<{ usedBytes: number; maxBytes: number } | undefined>) | undefined;
  readonly pamSessionsRefused: Counter<'reason'>;

  /**
   * Reports the local PAM recordings at every scrape: their disk use and bound
   * (burrow_gateway_recording_storage_*; 0 until the recordings have a directory) and the events
   * the control plane has not acknowledged (burrow_gateway_recording_queue_*; 0 until the uploader
   * runs).
   */
  observeRecordings(recordings: {
    usedBytes(): Promise<number | undefined>;
    readonly maxBytes: number;
    uploadBacklog(): { events: number; oldestMs: number | undefined } | undefined;
  }): void {
    this.recordingStorage = async () => {
      const usedBytes = await recordings.usedBytes();
      return usedBytes === undefined ? undefined : { usedBytes, maxBytes: recordings.maxBytes };
    };
    this.recordingQueue = () => {
      const backlog = recordings.uploadBacklog();
      if (!backlog) return undefined;
      const { events, oldestMs } = backlog;
      const oldestAgeSeconds =
        oldestMs === undefined ? 0 : Math.max(0, Date.now() - oldestMs) / 1000;
      return { depth: events, oldestAgeSeconds };
    };
  }

  /** Observes one setup stage of a stream, `seconds` long. */
  readonly setupStageDone = (stage: StreamSetupStage, seconds: number): void => {
    this.streamSetupStageSeconds.observe({ stage }, seconds);
  };

  /** Counts a PAM session refused because the local recordings reached their bound. */
  readonly recordingStorageFull = (): void => {
    this.pamSessionsRefused.inc({ reason: REFUSED_RECORDING_STORAGE_FULL });
  };

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_gateway_' });
    // Read at scrape time through arrows (the collect callbacks' own `this` is the gauge).
    const relayStates = (): readonly RelayState[] => this.relayStates();
    const openStreams = (): number => this.openStreams();
    const recordingQueue = (): RecordingQueueState | undefined => this.recordingQueue?.();
    const recordingStorage = async () => this.recordingStorage?.();
    new Gauge({
      name: 'burrow_gateway_relay_tunnel_up',
      help: '1 while the SSH tunnel to this relay is up.',
      labelNames: ['relay'],
      registers,
      collect() {
        for (const state of relayStates()) this.set({ relay: state.relay }, +state.up);
      },
    });
    new Gauge({
      name: 'burrow_gateway_relay_draining',
      help: '1 after the relay announced a drain, until its connection closes.',
      labelNames: ['relay'],
      registers,
      collect() {
        for (const state of relayStates()) {
          this.set({ relay: state.relay }, +state.draining);
        }
      },
    });
    this.reconnects = new Counter({
      name: 'burrow_gateway_reconnects_total',
      help: 'Tunnels to a relay re-established after a loss.',
      labelNames: ['relay'],
      registers,
    });
    this.drainNotices = new Counter({
      name: 'burrow_gateway_drain_notices_total',
      help: 'Drain notices received from relays.',
      labelNames: ['relay'],
      registers,
    });
    this.handshakeFailures = new Counter({
      name: 'burrow_gateway_handshake_failures_total',
      help: 'Inner mTLS handshakes refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'burrow_gateway_streams_open',
      help: 'Inner TLS streams open right now.',
      registers,
      collect() {
        this.set(openStreams());
      },
    });
    this.streams = new Counter({
      name: 'burrow_gateway_streams_total',
      help: 'Inner TLS streams opened, by action (ALPN).',
      labelNames: ['action'],
      registers,
    });
    this.streamSetupStageSeconds = new Histogram({
      name: 'burrow_gateway_stream_setup_stage_seconds',
      help: 'Each stage of a new stream at the gateway, from the end of the one before: first_byte (from the channel accepted), inner_tls, dispatch, target_connect.',
      labelNames: ['stage'],
      // Tens of microseconds (dispatch) to seconds (a slow target).
      buckets: SETUP_STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.certificateExpiry = new CertificateExpiryGauge(this.registry, 'burrow_gateway');
    new Gauge({
      name: 'burrow_gateway_recording_queue_depth',
      help: 'PAM recording events not yet acknowledged by the control plane.',
      registers,
      collect() {
        const state = recordingQueue();
        this.reset();
        if (state) this.set(state.depth);
      },
    });
    new Gauge({
      name: 'burrow_gateway_recording_storage_bytes',
      help: 'Disk space the local PAM session recordings take.',
      registers,
      async collect() {
        const state = await recordingStorage();
        this.reset();
        if (state) this.set(state.usedBytes);
      },
    });
    new Gauge({
      name: 'burrow_gateway_recording_storage_max_bytes',
      help: 'The bound on local PAM recordings (--pam-session-recording-max-bytes); new sessions are refused at it.',
      registers,
      async collect() {
        const state = await recordingStorage();
        this.reset();
        if (state) this.set(state.maxBytes);
      },
    });
    this.pamSessionsRefused = new Counter({
      name: 'burrow_gateway_pam_sessions_refused_total',
      help: 'PAM sessions the gateway refused, by reason.',
      labelNames: ['reason'],
      registers,
    });
    new Counter({
      name: 'burrow_gateway_recording_records_total',
      help: 'PAM recording records written and fsynced by this process (every session).',
      registers,
      collect() {
        this.reset();
        this.inc(recordingWriteTotals().records);
      },
    });
    new Counter({
      name: 'burrow_gateway_recording_fsyncs_total',
      help: 'fsyncs of PAM recordings by this process; one covers every record queued while the previous one ran.',
      registers,
      collect() {
        this.reset();
        this.inc(recordingWriteTotals().syncs);
      },
    });
    new Gauge({
      name: 'burrow_gateway_recording_queue_oldest_seconds',
      help: 'Age of the oldest PAM recording event not yet acknowledged.',
      registers,
      collect() {
        const state = recordingQueue();
        this.reset();
        if (state) this.set(state.oldestAgeSeconds);
      },
    });
  }
}
