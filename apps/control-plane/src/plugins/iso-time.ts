/** Epoch ms → ISO string (null stays null), as every JSON answer shows times. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
