import type { Migration } from './index.ts';

/**
 * How many events the session's gateway says it recorded (POST …/end {recordedEvents}, issue 14):
 * a recording that holds fewer lost records on the way or had its end cut off, and readers are
 * told so. NULL until the gateway says (older gateways never do).
 */
export const pamRecordedEvents: Migration = {
  version: 8,
  name: 'pam-recorded-events',
  sql: `
ALTER TABLE pam_sessions ADD COLUMN recorded_events INTEGER;
`,
};
