import type { ComponentChildren } from 'preact';

/** Small pieces every page uses: a refusal or failure in words, a loading line, a status badge. */
export function Problem({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="problem" role="alert">
      {message}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

export function Badge({
  tone,
  children,
}: {
  tone: 'good' | 'bad' | 'neutral';
  children: ComponentChildren;
}) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
