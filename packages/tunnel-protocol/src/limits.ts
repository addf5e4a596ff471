/**
 * Deadlines and limits shared by relay, gateway and callers. Every handshake has a deadline so a
 * slow or malicious peer only costs its own connection.
 */

/**
 * Outer TLS handshake on the relay's :8443, counted by the relay from when the handshake starts
 * (the reference uses 5 s). Before it starts a connection may wait RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS
 * for one of the relay's handshake slots.
 */
export const RELAY_TLS_HANDSHAKE_TIMEOUT_MS = 5_000;

/**
 * TLS handshakes the relay runs at once on :8443, for sources that have authenticated before (the
 * platform, access-CLI hosts) and, separately, for the others; more wait their turn (relay
 * caller-listener.ts, {@link HandshakeSlots}). A handshake is a burst of CPU: a hundred started
 * together on a starved machine all finish late together, past their deadline; a few at a time
 * finish in time. Two pools, so that a flood of unauthenticated connections that never finish
 * their handshake (each holds its slot up to RELAY_TLS_HANDSHAKE_TIMEOUT_MS) never takes the
 * slots of callers that authenticated; one unauthenticated source holds at most a quarter of its
 * pool.
 */
export const RELAY_TLS_HANDSHAKES_AT_ONCE = 64;
export const RELAY_TLS_HANDSHAKES_AT_ONCE_PER_UNKNOWN_SOURCE = 16;

/**
 * How long an accepted :8443 connection may wait for a handshake slot before it is closed: about
 * one handshake deadline, so a connection costs the relay at most queue + handshake = 10 s.
 */
export const RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS = 5_000;

/** SSH handshake + authentication of a gateway on the relay's :2222. */
export const RELAY_SSH_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Inner mTLS handshake between caller and gateway, inside the relay channel. */
export const INNER_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * A caller's TCP connect to a relay's :8443. A relay that does not answer a SYN in 5 s is down or
 * unreachable; giving up leaves the rest of the dial for the next relay.
 */
export const RELAY_CONNECT_TIMEOUT_MS = 5_000;

/**
 * A caller's whole relay stage — TCP connect and the outer TLS handshake — once it has a handshake
 * slot of its own: what the relay may take, its queue plus its handshake
 * (RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS + RELAY_TLS_HANDSHAKE_TIMEOUT_MS). It used to be 5 s, the
 * relay's handshake deadline alone: a loaded relay that queued the handshake, or merely ran it
 * late, was given up on by every caller at once.
 */
export const CALLER_RELAY_STAGE_TIMEOUT_MS =
  RELAY_HANDSHAKE_QUEUE_TIMEOUT_MS + RELAY_TLS_HANDSHAKE_TIMEOUT_MS;

/**
 * Dials (relay TLS + gateway TLS) one caller process runs at once; more wait their turn
 * ({@link HandshakeSlots}, caller-dialer.ts). The control plane is one process dialing for
 * everyone: without a bound, a burst of streams on a loaded machine started every handshake at
 * once and all of them missed their deadlines together. Streams already dialed are not counted.
 * Not lower: a dial is mostly waiting (round trips through relay and gateway, each a process
 * waiting for a CPU on a busy machine), so fewer at once means fewer streams per second. The fault
 * test (1,000 streams, 100 at a time, 2-core machine with stress-ng --cpu 2 and other test runs)
 * took 127 s with 16 at once and 75 s with 48, all started after the kill succeeding.
 */
export const CALLER_DIALS_AT_ONCE = 64;

/**
 * One stream's whole dial by a caller, through every relay it tries: its wait for a dial slot,
 * then the relay stage (CALLER_RELAY_STAGE_TIMEOUT_MS) and the gateway stage
 * (INNER_TLS_HANDSHAKE_TIMEOUT_MS) of one attempt. A fallback to another relay uses what is left
 * of it instead of starting over, so a stream that cannot be set up fails within this time
 * however many relays are down: a relay that is down refuses at once, and an unreachable one
 * costs RELAY_CONNECT_TIMEOUT_MS, leaving the next relay 15 s.
 */
export const GATEWAY_DIAL_DEADLINE_MS =
  CALLER_RELAY_STAGE_TIMEOUT_MS + INNER_TLS_HANDSHAKE_TIMEOUT_MS;

/** TCP connect from the gateway to a target. */
export const TARGET_CONNECT_TIMEOUT_MS = 10_000;

/** Gateway dial of the relay's SSH port (the reference uses 30 s). */
export const GATEWAY_SSH_DIAL_TIMEOUT_MS = 30_000;

/**
 * Keepalives on the gateway<->relay SSH connection (`keepalive@openssh.com`). Each end pings only
 * after an interval in which nothing arrived from the other (ssh2's server restarts its timer on
 * every packet; the gateway resets its count on arriving bytes, relay-connection.ts) and drops the
 * peer after count + 1 such intervals: a dead relay is noticed within 10 s, a dead gateway within
 * 12 s — inside the 15 s promise with 3 s left for a loaded machine's late timers (6 s / 7 s, as
 * measured by the bench, left the relay 1 s). The gateway's interval is the shorter one, so on an idle
 * connection the gateway pings, the relay's timer is restarted by that ping and the relay only
 * answers: one exchange per gateway every 5 s (about 1.6 every 4 s with 4 s on both ends before).
 * The relay pings a gateway only when it heard nothing for its interval (a gateway that only
 * receives, or is gone). `pnpm bench --scale` measured the choice (bench/README.md, "Scale").
 * (The reference's gateway waits up to 45 s; its relay never pings.)
 */
export const GATEWAY_SSH_KEEPALIVE_INTERVAL_MS = 5_000;
export const GATEWAY_SSH_KEEPALIVE_COUNT_MAX = 1;
/** Longer than the gateway's by more than a round trip, so an idle relay only answers. */
export const RELAY_SSH_KEEPALIVE_INTERVAL_MS = 6_000;
export const RELAY_SSH_KEEPALIVE_COUNT_MAX = 1;

/**
 * A gateway connects while the relay still holds a connection of the same gateway: the relay pings
 * the older one and waits this long for any byte back. No answer: the older is half-dead and the
 * newer replaces it. An answer: the older is alive, the newer is closed (as the reference refuses
 * it) — so two live gateways with one identity do not take the tunnel from each other in turn.
 */
export const RELAY_GATEWAY_REPLACEMENT_PROBE_MS = 5_000;

/** Gateway reconnect: exponential backoff with full jitter, from base up to cap. */
export const RECONNECT_BACKOFF_BASE_MS = 500;
export const RECONNECT_BACKOFF_CAP_MS = 30_000;

/**
 * Relay auto-selection (a gateway given no relay name, reference §5.8): a relay counts as healthy
 * when its last heartbeat is this recent (the reference's window; relays heartbeat every 30 min),
 * and each candidate's :8443 gets this long to accept the TCP connection that measures it.
 */
export const RELAY_SELECTION_HEALTHY_WINDOW_MS = 60 * 60 * 1000;
export const RELAY_SELECTION_PROBE_TIMEOUT_MS = 5_000;

/** Gateway and relay re-register (fresh certificates) this often; certificates live 1 day. */
export const CERTIFICATE_RENEWAL_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** Platform -> gateway client certificates live this long (reference: 5 min). */
export const PLATFORM_CLIENT_CERT_TTL_MS = 5 * 60 * 1000;

/** Heartbeat probe of a gateway through the relay (reference: 10 s socket timeout). */
export const GATEWAY_PROBE_TIMEOUT_MS = 10_000;

/**
 * Per-source accept rate limit on the relay's :8443 and :2222 (token bucket per remote IPv4
 * address or IPv6 /64, relay accept-limiter.ts). It meters unauthenticated work: a connection
 * takes a token at accept and gives it back when its handshake authenticates, and a source that
 * has authenticated is not metered at all (its streams have their own quotas). The burst covers a
 * burst of failed handshakes from a legitimate source (expired certificates after a pause); a
 * source above it is refused at accept, before any TLS or SSH work, so a connection flood costs
 * the relay a file descriptor for microseconds and nobody else anything.
 */
export const RELAY_ACCEPT_BURST_PER_SOURCE = 400;
export const RELAY_ACCEPT_RATE_PER_SOURCE_PER_SECOND = 200;

/**
 * Connections from one source that may be in their TLS or SSH handshake at once. Slowloris opens
 * hundreds of connections and never finishes the handshake; each one holds up to the handshake
 * deadline. Past this many the source's next connections are refused, so its cost is bounded to
 * this many handshake states (a few KiB each) however many it opens.
 */
export const RELAY_MAX_PENDING_HANDSHAKES_PER_SOURCE = 64;

/**
 * The same bound for a source that has authenticated (the platform, a busy access-CLI host): it
 * opens streams by the hundred, and on a loaded machine each handshake takes longer, so many are
 * under way at once. Still a bound: a slowloris behind the same address gets no more than this.
 */
export const RELAY_MAX_PENDING_HANDSHAKES_PER_KNOWN_SOURCE = 2_048;

/**
 * Distinct sources the limiter remembers. Bounds the limiter's own memory under a spoofed-source
 * or botnet flood (~100 B per entry); entries idle for RELAY_ACCEPT_SOURCE_IDLE_MS are forgotten,
 * and a full table makes room by forgetting its least recently seen idle entry (unauthenticated
 * sources first), so new sources are still admitted during a flood.
 */
export const RELAY_ACCEPT_MAX_TRACKED_SOURCES = 100_000;
export const RELAY_ACCEPT_SOURCE_IDLE_MS = 60_000;

/**
 * Open caller streams one gateway may have through one relay. Each is an SSH channel whose
 * receive window (2 MiB in ssh2) is the most it can buffer, so this bounds what one busy or
 * hostile tenant can make the relay hold for its gateway; more are refused (the caller sees the
 * connection close, as for a gateway that is not connected) until streams finish.
 */
export const MAX_STREAMS_PER_GATEWAY = 1_024;

/**
 * A spliced caller stream with no byte in either direction for this long is closed. Matches the
 * reference's PAM idle timeout (30 min): an idle psql session is normal, a stream silent for
 * longer is a leak (a caller that vanished without FIN, a NAT that dropped the flow).
 */
export const STREAM_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Graceful drain (SIGTERM on a relay): it stops accepting, tells its gateways, and lets open
 * streams finish for up to this long before closing what is left and exiting. Long enough for
 * request/response traffic and most transfers; short enough for a rolling restart. The process
 * deadline after a signal must exceed it.
 */
export const RELAY_DRAIN_TIMEOUT_MS = 30_000;

/**
 * Once one side of a splice (splice.ts) has closed, how long the other side may take to accept
 * the bytes it was already given (at most one SSH window plus socket buffers, a few MiB) before
 * it is reset. A reader that takes no byte for this long is stalled, not slow; the deadline
 * counts from the close and is never restarted, so a trickling reader cannot hold the stream.
 */
export const SPLICE_FLUSH_TIMEOUT_MS = 30_000;

/**
 * After the splice destroys a side it waits this long for its 'close' before counting it closed
 * anyway: an SSH channel reports 'close' only when the gateway answers CHANNEL_CLOSE, and a
 * gateway that never does must not keep the stream (and its quota) alive.
 */
export const SPLICE_CLOSE_GRACE_MS = 5_000;

/**
 * Relay memory per caller and per gateway (relay stream-window-budget.ts): each stream's SSH
 * receive window — what the gateway may send before the relay has passed it on, i.e. what a
 * caller that never reads makes the relay hold — comes out of a budget per caller identity (its
 * client certificate) and one per gateway. 64 MiB per caller still gives 16 streams a full 4 MiB
 * window (a bulk transfer at full speed); 256 MiB per gateway bounds what all its callers
 * together can pin, instead of 4 MiB x MAX_STREAMS_PER_GATEWAY = 4 GiB.
 */
export const RELAY_STREAM_WINDOW_BUDGET_PER_CALLER = 64 * 1024 * 1024;
export const RELAY_STREAM_WINDOW_BUDGET_PER_GATEWAY = 256 * 1024 * 1024;

/**
 * The smallest window a stream gets once the budgets are spent: enough for interactive traffic
 * and request/response streams at full speed, a bulk transfer runs at one window per round trip.
 */
export const RELAY_STREAM_MIN_WINDOW = 64 * 1024;

/**
 * Bytes the relay's splice may have written into one side and not yet flushed, per direction,
 * before it stops reading the other side: one full SSH packet (255 KiB) fits, so writes into the
 * channel still coalesce into maximum-size packets.
 */
export const RELAY_STREAM_UNFLUSHED_BYTES = 256 * 1024;
