/**
 * Histogram buckets (seconds) for the stages of a new stream's setup, the same in the relay and
 * the gateway (`burrow_*_stream_setup_stage_seconds`), so one reader (bench/src/process-stages.ts)
 * interpolates both alike: a stage lasts from tens of microseconds (routing) to seconds (a queued
 * handshake).
 */
export const SETUP_STAGE_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
];
