import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.ts';

/** GETs `path` when the page opens; `reload()` fetches again (after a change). */
export function useApi<T>(path: string | undefined): {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(path !== undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let current = true;
    setLoading(true);
    api<T>('GET', path)
      .then((answer) => {
        if (!current) return;
        setData(answer);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (current) setError(failure instanceof ApiError ? failure.message : String(failure));
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [path, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}
