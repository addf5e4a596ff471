import { useCallback, useEffect, useState } from 'preact/hooks';
import type { RouteArgs } from '@burrow/platform-api/browser';
import { ApiError, request, routeUrl, type Answer, type PathOf, type RouteAt } from './api.ts';

/**
 * GETs the route at `path` (with its parameters and query) when the page opens, or nothing while
 * `path` is undefined; `reload()` fetches again (after a change).
 */
export function useApi<P extends PathOf<'GET'>>(
  path: P | undefined,
  ...args: RouteArgs<RouteAt<'GET', P>>
): {
  data: Answer<P> | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
} {
  const url = path === undefined ? undefined : routeUrl(path, args[0]);
  const [data, setData] = useState<Answer<P>>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(url !== undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (url === undefined) return;
    let current = true;
    setLoading(true);
    request('GET', url)
      .then((answer) => {
        if (!current) return;
        setData(answer as Answer<P>);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (current) setError(failure instanceof ApiError ? failure.message : String(failure));
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [url, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}
