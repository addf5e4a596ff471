import { ApiError } from './api.ts';
import { Problem } from './widgets.tsx';

/** The outcome of an admin's change, shown under the section it was made in. */
export type Outcome = { tone: 'good' | 'bad'; text: string } | undefined;

/** Runs a change; its refusal (403, 409, 400 …) or failure becomes words. */
export async function change(
  run: () => Promise<unknown>,
  done: string,
  show: (outcome: Outcome) => void,
  after: () => void,
): Promise<void> {
  show(undefined);
  try {
    await run();
    show({ tone: 'good', text: done });
    after();
  } catch (failure) {
    show({ tone: 'bad', text: failureText(failure) });
  }
}

/** What a failed call says: the control plane's message, or the error's. */
export function failureText(failure: unknown): string {
  return failure instanceof ApiError ? failure.message : String(failure);
}

export function OutcomeLine({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  if (outcome.tone === 'bad') return <Problem message={outcome.text} />;
  return (
    <p class="result good" role="status">
      {outcome.text}
    </p>
  );
}
