import {
  eventsToAsciicast,
  eventsToCommandLog,
  formatHttpEvent,
  isHttpEvent,
  isTerminalRecording,
} from '@burrow/session-recorder/recording-views';
import { useEffect, useRef } from 'preact/hooks';
import { duration, when } from '../format.ts';
import type { Answer } from '../api.ts';
import { useApi } from '../use-api.ts';
import { Badge, Loading, Problem, Section } from '../widgets.tsx';

/**
 * One session's recording: PostgreSQL queries with their results, an SSH session's terminal
 * replayed by asciinema-player plus its command log, or an HTTP session's requests. Recorded text
 * comes from the target (a hostile database or shell may have written it) and is only ever set
 * as text: Preact escapes it, the player draws terminal cells, nothing is parsed as HTML.
 */
type RecordedSession = Answer<'/api/v1/pam/sessions/:sessionId'>['session'];

export function RecordingPage({ sessionId }: { sessionId: string }) {
  const answer = useApi('/api/v1/pam/sessions/:sessionId', { params: { sessionId } });
  const s = answer.data?.session;
  return (
    <>
      <p>
        <a href="#/sessions">← All sessions</a>
      </p>
      <Loading when={answer.loading && !s} />
      <Problem message={answer.error} />
      {s && (
        <Section title={`Session ${s.accountPath}`}>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge tone={s.status === 'active' ? 'good' : 'neutral'}>{s.status}</Badge>
            </dd>
            <dt>Type</dt>
            <dd>{s.resourceType}</dd>
            <dt>Started</dt>
            <dd>{when(s.createdAt)}</dd>
            <dt>Duration</dt>
            <dd>{duration(s.createdAt, s.endedAt)}</dd>
            <dt>Events</dt>
            <dd>{s.events.length}</dd>
            {s.reason && (
              <>
                <dt>Reason</dt>
                <dd>{s.reason}</dd>
              </>
            )}
          </dl>
          {(s.recordingProblems ?? []).map((problem) => (
            <Problem message={`Recording incomplete: ${problem}`} />
          ))}
          {s.events.length === 0 && <p class="muted">Nothing recorded (yet).</p>}
          {s.events.length > 0 && <Events session={s} />}
        </Section>
      )}
    </>
  );
}

function Events({ session }: { session: RecordedSession }) {
  if (isTerminalRecording(session.events)) return <Terminal session={session} />;
  if (session.events.some(isHttpEvent)) {
    return (
      <ol class="events">
        {session.events.filter(isHttpEvent).map((event, index) => (
          <li>
            <pre class="recorded">{formatHttpEvent(event, index + 1)}</pre>
          </li>
        ))}
      </ol>
    );
  }
  return <Queries events={session.events} />;
}

interface QueryEvent {
  timestamp?: unknown;
  input?: unknown;
  output?: unknown;
}

function Queries({ events }: { events: unknown[] }) {
  return (
    <table class="queries">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Query</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {(events as QueryEvent[]).map((event, index) => (
          <tr>
            <td>{index + 1}</td>
            <td class="nowrap">
              {typeof event.timestamp === 'string' ? when(event.timestamp) : ''}
            </td>
            <td>
              <pre class="recorded">{String(event.input ?? '')}</pre>
            </td>
            <td>
              <pre class="recorded">{String(event.output ?? '')}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Terminal({ session }: { session: RecordedSession }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let disposed = false;
    let player: { dispose(): void } | undefined;
    const cast = eventsToAsciicast(session.events, { title: `PAM session ${session.accountPath}` });
    void import('asciinema-player').then((AsciinemaPlayer) => {
      if (disposed || !host.current) return;
      player = AsciinemaPlayer.create({ data: cast }, host.current, {
        fit: 'width',
        controls: true,
        idleTimeLimit: 2,
      });
    });
    return () => {
      disposed = true;
      player?.dispose();
    };
  }, [session]);
  return (
    <>
      <h3>Terminal replay</h3>
      <div class="player" ref={host} aria-label="Terminal replay" />
      <h3>Commands</h3>
      <pre class="recorded">{eventsToCommandLog(session.events)}</pre>
    </>
  );
}
