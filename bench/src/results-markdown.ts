/** bench/results/latest.md: the results of one run as Markdown tables. */
import type { BenchResults } from './bench-results.ts';
import type { PathName, Role } from './bench-path.ts';
import { ROLES, type PathSet, type SetupMeasurement } from './path-measurements.ts';
import { keyTypeLeverMarkdown } from './key-type-lever.ts';
import { checkTargets, fmt, overRepetitions, rangeText } from './targets.ts';
import {
  RELAY_PATH_CIPHER_PASSES,
  RELAY_PATH_LOOPBACK_HOPS,
  relayPathFloor,
} from './crypto-floor.ts';

const PATHS: PathName[] = ['direct', 'openssh-openssl', 'burrow'];
const ACCESS_CLI = 'burrow via access CLI listener';
const NOT_MEASURED = 'not measured (the access CLI listener speaks PAM/PostgreSQL, not raw TCP)';

export function resultsMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  const { machine, config } = results;
  const repetitions = (results.repetitions ?? [results.paths]).length;
  /** a / b within each repetition: median (min–max). */
  const ratio = (a: (paths: PathSet) => number | undefined, b: typeof a): string => {
    const s = overRepetitions(results, (paths) => (a(paths) ?? NaN) / (b(paths) ?? NaN));
    return s ? `${fmt(s.median, 2)} ×${repetitions > 1 ? rangeText(s, 2) : ''}` : 'n/a';
  };
  lines.push(
    `# Burrow bench — ${results.startedAt}${config.quick ? ' (QUICK: tiny sizes, not comparable)' : ''}`,
  );
  lines.push('');
  lines.push(
    `Command: \`${results.command}\` (${fmt(results.durationSeconds, 0)} s). Everything on 127.0.0.1; all processes share the machine's cores.`,
  );
  lines.push('');
  lines.push(
    `Machine: ${machine.os}, kernel ${machine.kernel}, ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB RAM.`,
  );
  lines.push('');
  lines.push(
    `Load average (1 min) at start ${fmt(results.loadAverageAtStart, 2)}, at end ${fmt(results.loadAverageAtEnd, 2)}: well above 0 means other work shared the cores during the run.`,
  );
  lines.push('');
  lines.push(
    `Versions: ${Object.entries(machine.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
  );
  lines.push('');

  lines.push(
    repetitions > 1
      ? `Repetitions of the direct, openssh-openssl and burrow measurements: ${repetitions}, interleaved — each measurement ran on every path in turn, then the next measurement, and the whole round was repeated. Every figure below is the median over the repetitions; a ratio is computed within each repetition and shown as median (min–max).`
      : 'Repetitions of the direct, openssh-openssl and burrow measurements: 1 (each path measured once).',
  );
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('|---|---|---|');
  for (const check of results.targets ?? checkTargets(results))
    lines.push(
      `| ${check.target} | ${check.measured} | ${check.met === undefined ? 'n/a' : check.met ? 'yes' : '**no**'} |`,
    );
  lines.push('');

  lines.push(
    `## Throughput (MiB/s; ${fmt(config.bulkBytes / 1024 ** 2, 0)} MiB per measurement, split over the streams; cap ${config.capMs / 1000} s)`,
  );
  lines.push('');
  lines.push(
    `| transfer | ${PATHS.join(' | ')} | ${ACCESS_CLI} | burrow / direct | burrow / openssh-openssl |`,
  );
  lines.push('|---|---|---|---|---|---|---|');
  const burrow = results.paths.burrow;
  for (const row of burrow?.throughput ?? results.paths.direct?.throughput ?? []) {
    const find = (paths: PathSet, name: PathName) =>
      paths[name]?.throughput.find(
        (t) => t.direction === row.direction && t.streams === row.streams,
      );
    const cell = (name: PathName): string => {
      const t = find(results.paths, name);
      return `${fmt(t?.mibPerSecond, 0)}${t?.capped ? ' (capped)' : ''}`;
    };
    const mib = (name: PathName) => (paths: PathSet) => find(paths, name)?.mibPerSecond;
    lines.push(
      `| ${row.direction} × ${row.streams} | ${PATHS.map(cell).join(' | ')} | ${NOT_MEASURED} | ${ratio(mib('burrow'), mib('direct'))} | ${ratio(mib('burrow'), mib('openssh-openssl'))} |`,
    );
  }
  lines.push('');
  if (results.plots?.throughput) {
    lines.push(`![Throughput per path](${results.plots.throughput})`);
    lines.push('');
  }

  lines.push('## CPU seconds per GiB, per role (every process of the role, from /proc/<pid>/stat)');
  lines.push('');
  lines.push(
    'Relay = stunnel + sshd (all its processes) / burrow-relay; gateway = ssh + stunnel / burrow-gateway; caller = the bench process (node:tls client); total = caller + relay + gateway (the target is the same for all).',
  );
  lines.push('');
  lines.push(`| path | transfer | ${ROLES.join(' | ')} | total |`);
  lines.push('|---|---|---|---|---|---|---|');
  for (const name of PATHS) {
    for (const t of results.paths[name]?.throughput ?? []) {
      const c = t.cpuSecondsPerGiB;
      lines.push(
        `| ${name} | ${t.direction} × ${t.streams} | ${ROLES.map((r) => fmt(c[r], 2)).join(' | ')} | ${fmt(c.caller + c.relay + c.gateway, 2)} |`,
      );
    }
  }
  lines.push('');

  lines.push(...floorSection(results));

  lines.push(
    `## New-stream setup: connect to first echoed byte, ${config.setupStreams} sequential streams${repetitions > 1 ? ' per repetition' : ''} (ms)`,
  );
  lines.push('');
  lines.push(
    '| path | handshakes | p50 | p90 | p99 | max | CPU ms per stream: relay | gateway | caller |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const { name, mode, s } of setupMeasurements(results))
    lines.push(
      `| ${name} | ${mode}${s.capped ? ` (capped at ${s.count})` : ''} | ${fmt(s.p50, 2)} | ${fmt(s.p90, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.max, 2)} | ${fmt(s.cpuMsPerStream?.relay, 2)} | ${fmt(s.cpuMsPerStream?.gateway, 2)} | ${fmt(s.cpuMsPerStream?.caller, 2)} |`,
    );
  lines.push(`| ${ACCESS_CLI} | – | ${NOT_MEASURED} | | | | | | |`);
  lines.push('');
  const p50 =
    (name: PathName, mode: 'setupFull' | 'setupResumed') =>
    (paths: PathSet): number | undefined =>
      paths[name]?.[mode].p50;
  lines.push(
    `Ratios burrow / openssh-openssl: full p50 ${ratio(p50('burrow', 'setupFull'), p50('openssh-openssl', 'setupFull'))}, resumed p50 ${ratio(p50('burrow', 'setupResumed'), p50('openssh-openssl', 'setupResumed'))}; burrow / direct resumed p50 ${ratio(p50('burrow', 'setupResumed'), p50('direct', 'setupResumed'))}.`,
  );
  lines.push('');
  if (results.plots?.setupLatency) {
    lines.push(
      `![New-stream setup latency per path: distribution of every stream of every repetition](${results.plots.setupLatency})`,
    );
    lines.push('');
  } else if (results.plots) {
    lines.push(
      'No setup-latency plot: this run kept no per-stream times (runs before 2026-12-03).',
    );
    lines.push('');
  }

  lines.push(...setupStagesSection(results));
  lines.push(...processStagesSection(results));
  if (results.keyTypeLever)
    lines.push(...keyTypeLeverMarkdown(results.keyTypeLever, config.setupStreams));

  lines.push(
    `## Request/response: 1 KiB echo on an established stream, ${config.requestRatePerSecond}/s, ${config.requests} requests (ms)`,
  );
  lines.push('');
  lines.push('| path | p50 | p90 | p99 | max | p50 over direct | p99 over direct |');
  lines.push('|---|---|---|---|---|---|---|');
  const direct = results.paths.direct?.requestResponse;
  for (const name of PATHS) {
    const r = results.paths[name]?.requestResponse;
    if (!r) continue;
    lines.push(
      `| ${name} | ${fmt(r.p50, 3)} | ${fmt(r.p90, 3)} | ${fmt(r.p99, 3)} | ${fmt(r.max, 3)} | ${direct ? fmt(r.p50 - direct.p50, 3) : 'n/a'} | ${direct ? fmt(r.p99 - direct.p99, 3) : 'n/a'} |`,
    );
  }
  lines.push('');

  const pam = results.pamQueries;
  if (pam) {
    lines.push(
      `## Database queries through PAM: pgbench straight to PostgreSQL and through \`burrow pam access\` (scale ${pam.config.scale}, ${pam.config.secondsPerRun} s per run, ${pam.config.repetitions} interleaved repetition${pam.config.repetitions === 1 ? '' : 's'})`,
    );
    lines.push('');
    lines.push(
      "pam = pgbench → access CLI listener → relay → gateway (credentials injected, every query recorded and fsync'd before its answer) → PostgreSQL. TPS and latency are medians over the repetitions; the ratio is pam / direct per repetition (median, min–max).",
    );
    lines.push('');
    lines.push(
      '| workload | direct TPS | pam TPS | pam / direct | latency added (ms per transaction) | pam CPU ms per transaction: access CLI / relay / gateway / PostgreSQL |',
    );
    lines.push('|---|---|---|---|---|---|');
    for (const row of pam.summary) {
      const c = row.pamCpuMsPerTransaction;
      lines.push(
        `| ${row.mode} | ${fmt(row.directTps, 0)} | ${fmt(row.pamTps, 0)} | ${fmt(row.ratio.median, 2)} × (${fmt(row.ratio.min, 2)}–${fmt(row.ratio.max, 2)}) | +${fmt(row.addedLatencyMs, 3)} | ${fmt(c['access-cli'], 3)} / ${fmt(c.relay, 3)} / ${fmt(c.gateway, 3)} / ${fmt(c.postgres, 3)} |`,
      );
    }
    lines.push('');
  }

  const scale = results.relayScale;
  if (scale) {
    const KiB = 1024;
    lines.push('## Relay scale (burrow-relay)');
    lines.push('');
    lines.push('| measurement | value |');
    lines.push('|---|---|');
    lines.push(
      `| idle gateways (swarm, one process, gateway code) | ${scale.idleGateways.count} |`,
    );
    lines.push(
      `| relay RSS before → after | ${fmt(scale.idleGateways.relayRssBeforeBytes / KiB ** 2, 1)} → ${fmt(scale.idleGateways.relayRssAfterBytes / KiB ** 2, 1)} MiB |`,
    );
    lines.push(
      `| relay RSS per idle gateway | ${fmt(scale.idleGateways.relayRssPerGatewayBytes / KiB, 1)} KiB |`,
    );
    lines.push(
      `| relay CPU with them idle (keepalives) | ${fmt(scale.idleGateways.relayIdleCpuPercent, 2)} % of a core |`,
    );
    lines.push(`| concurrent open streams | ${scale.openStreams.count} |`);
    lines.push(
      `| relay RSS before → after | ${fmt(scale.openStreams.relayRssBeforeBytes / KiB ** 2, 1)} → ${fmt(scale.openStreams.relayRssAfterBytes / KiB ** 2, 1)} MiB |`,
    );
    lines.push(
      `| relay RSS per open stream | ${fmt(scale.openStreams.relayRssPerStreamBytes / KiB, 1)} KiB |`,
    );
    lines.push(
      `| relay CPU per stream opened (TLS resumed) | ${fmt(scale.openStreams.relayCpuMsPerStreamOpen, 2)} ms |`,
    );
    lines.push(
      `| relay CPU with them open and idle | ${fmt(scale.openStreams.relayIdleCpuPercent, 2)} % of a core |`,
    );
    lines.push('');
  }
  if (Object.keys(results.notMeasured).length > 0) {
    lines.push('## Not measured');
    lines.push('');
    for (const [what, why] of Object.entries(results.notMeasured)) lines.push(`- ${what}: ${why}`);
    lines.push('');
  }
  lines.push('## Exact commands');
  lines.push('');
  const commandLists: [string, string[] | undefined][] = [
    ...PATHS.map((name): [string, string[] | undefined] => [name, results.commands[name]]),
    ['PAM queries', pam?.commands],
  ];
  for (const [name, commands] of commandLists) {
    if (!commands) continue;
    lines.push(`**${name}**`);
    lines.push('');
    for (const command of commands) lines.push(`- \`${command.replaceAll('`', "'")}\``);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Each measured path's setup measurements, full handshakes first. */
function setupMeasurements(
  results: BenchResults,
): { name: PathName; mode: 'full' | 'resumed'; s: SetupMeasurement }[] {
  return PATHS.flatMap((name) => {
    const m = results.paths[name];
    return m
      ? [
          { name, mode: 'full' as const, s: m.setupFull },
          { name, mode: 'resumed' as const, s: m.setupResumed },
        ]
      : [];
  });
}

/** One stream's setup stage by stage, as the caller sees it (setup-latency.ts). */
function setupStagesSection(results: BenchResults): string[] {
  const rows = setupMeasurements(results).flatMap(({ name, mode, s }) =>
    (s.stages ?? []).map(
      (t) =>
        `| ${name} | ${mode} | ${t.stage} | ${fmt(t.p50, 3)} | ${fmt(t.p90, 3)} | ${fmt(t.p99, 3)} | ${fmt(t.mean, 3)} |`,
    ),
  );
  if (rows.length === 0) return [];
  return [
    '### Setup stage by stage, as the caller sees it (ms)',
    '',
    "Each stage from the end of the one before; a stream's stages add up to its setup time (so do the means of one repetition; percentiles do not). " +
      "dial-slot: waiting for one of the caller's dial slots (burrow); relay-connect: TCP to the relay; relay-tls: the outer handshake; " +
      'gateway-tls: the relay routing the stream and opening its channel to the gateway, and the inner handshake (the caller sees no byte in between); ' +
      "gateway-identity: burrow's check that the gateway is the one asked for; first-byte: one byte written and echoed (the gateway connects to the target when its inner handshake ends).",
    '',
    '| path | handshakes | stage | p50 | p90 | p99 | mean |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

/** The same streams' setup as the relay and the gateway time it (process-stages.ts). */
function processStagesSection(results: BenchResults): string[] {
  const measured = setupMeasurements(results).filter(({ s }) => s.processStages);
  if (measured.length === 0) return [];
  const rows = measured.flatMap(({ name, mode, s }) =>
    s.processStages!.stages.map(
      (t) =>
        `| ${name} | ${mode} | ${t.process} | ${t.stage} | ${fmt(t.count, 0)} | ${fmt(t.p50, 3)} | ${fmt(t.mean, 3)} |`,
    ),
  );
  const hello = measured.map(({ mode, s }) => {
    const { buffered, notYet } = s.processStages!.callerBytesAtChannelOpen;
    return `${mode} ${fmt(buffered, 0)} of ${fmt(buffered + notYet, 0)}`;
  });
  return [
    '### Setup stage by stage, in the relay and the gateway (ms)',
    '',
    'The same series, timed by each process on its own clock (`burrow_relay_stream_setup_stage_seconds`, `burrow_gateway_stream_setup_stage_seconds`: their /metrics scraped before and after the series). Each stage from the end of the one before. ' +
      'Relay: caller_tls (TCP accept to the outer handshake done, its queue included), route (certificate checked, gateway found), channel_open (the SSH channel to the gateway confirmed), ' +
      "first_byte_to_gateway (the caller's inner ClientHello forwarded), first_byte_to_caller (the gateway's answer forwarded: two SSH hops and the gateway's first handshake flight). " +
      "Gateway: first_byte (channel accepted to the ClientHello's arrival), inner_tls (to the inner handshake done: for TLS 1.3 the round trip to the caller for its Finished), dispatch (caller certificate checked, action started), target_connect (TCP to the target). " +
      'Means are exact; p50 is interpolated within histogram buckets (0.1, 0.25, 0.5, 1, 2, 5 ms …), so only as fine as those.',
    '',
    '| path | handshakes | process | stage | streams | p50 | mean |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Streams whose inner ClientHello had already reached the relay when their channel to the gateway opened (the caller sends it right behind its outer Finished): ${hello.join(', ')}.`,
    '',
  ];
}

/** "The limit on this machine": each relay path's CPU per GiB next to its floor (crypto-floor.ts). */
function floorSection(results: BenchResults): string[] {
  const aes = results.cryptoFloor?.aesGcmCpuSecondsPerGiB;
  if (aes === undefined) return [];
  const all = (c: Record<Role, number>): number => c.caller + c.relay + c.gateway + c.target;
  const lines = [
    '## The limit on this machine',
    '',
    `AES-128-GCM: ${fmt(aes, 3)} CPU-s/GiB per pass (\`${results.cryptoFloor?.opensslSpeedLine ?? ''}\`, openssl speed, 16 KiB blocks). ` +
      `A relay path encrypts and decrypts every byte in three layers (${RELAY_PATH_CIPHER_PASSES} passes) and moves it over ${RELAY_PATH_LOOPBACK_HOPS} loopback hops, ` +
      'each costing what the direct path costs in all (caller + target): floor = 6 × AES + 3 × direct. Measured = every role including the target.',
    '',
    '| path | transfer | measured CPU-s/GiB | floor | measured / floor |',
    '|---|---|---|---|---|',
  ];
  for (const name of ['burrow', 'openssh-openssl'] as const) {
    for (const t of results.paths[name]?.throughput ?? []) {
      const direct = results.paths.direct?.throughput.find(
        (d) => d.direction === t.direction && d.streams === t.streams,
      );
      const floor = relayPathFloor(aes, direct ? all(direct.cpuSecondsPerGiB) : undefined);
      const measured = all(t.cpuSecondsPerGiB);
      lines.push(
        `| ${name} | ${t.direction} × ${t.streams} | ${fmt(measured, 2)} | ${fmt(floor, 2)} | ${floor ? `${fmt(measured / floor, 2)} ×` : 'n/a (no direct path)'} |`,
      );
    }
  }
  lines.push('');
  return lines;
}
