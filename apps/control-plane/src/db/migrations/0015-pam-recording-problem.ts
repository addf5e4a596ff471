import type { Migration } from './index.ts';

/**
 * What the session's gateway says is wrong with its local recording (POST …/end
 * {recordingProblem}, issue 14): a record that failed verification, after which nothing was
 * uploaded, or an ended recording whose end was cut off. Readers are warned with it. NULL when
 * the gateway reported nothing (older gateways never do).
 */
export const pamRecordingProblem: Migration = {
  version: 15,
  name: 'pam-recording-problem',
  sql: `
ALTER TABLE pam_sessions ADD COLUMN recording_problem TEXT;
`,
};
