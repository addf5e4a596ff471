/**
 * The event shape of database sessions (docs/pam-contract.md "Events", reference §8.4):
 * `{timestamp, input, output}` — the query with bound parameters interpolated, and the result
 * summary. Never a password. The recorder itself accepts any JSON value.
 */
export interface DatabaseSessionEvent {
  /** ISO-8601. */
  timestamp: string;
  /** Query text; extended protocol with bound parameters interpolated. */
  input: string;
  /** Result summary, e.g. `SELECT 3` or `ERROR: …`. */
  output: string;
}
