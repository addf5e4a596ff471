/**
 * The logrotate rule written with `--log-file` (reference §5.10: daily, keep 7, compress,
 * delaycompress, missingok, notifempty). systemd keeps the log file open while the service runs,
 * so the file is copied and truncated instead of being re-created (`copytruncate`).
 *
 * @example
 *   renderLogrotateConfig('/var/log/burrow/edge-1.log');
 */
export function renderLogrotateConfig(logFile: string): string {
  return [
    `${logFile} {`,
    '    daily',
    '    rotate 7',
    '    compress',
    '    delaycompress',
    '    missingok',
    '    notifempty',
    '    copytruncate',
    '}',
    '',
  ].join('\n');
}
