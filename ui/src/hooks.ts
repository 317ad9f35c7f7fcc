import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from './format.js';

/** Runs an async action with a busy flag and a readable error. */
export function useAction(): [boolean, string | null, (fn: () => Promise<void>) => Promise<boolean>, (e: string | null) => void] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      if (alive.current) setError(describeError(e));
      return false;
    } finally {
      if (alive.current) setBusy(false);
    }
  }, []);
  return [busy, error, run, setError];
}
