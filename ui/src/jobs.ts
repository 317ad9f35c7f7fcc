import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobView, WorkspaceEvent } from '@bigapp/contracts';
import { api } from './api/client.js';

/** An export or import the user started in this tab, followed until it ends. */
export interface TrackedJob {
  localId: string;
  jobId: string | null;
  workspaceId: string;
  kind: 'export' | 'import';
  phase: 'uploading' | 'queued' | 'active' | 'succeeded' | 'failed';
  /** 0..1 from job.progress events (or the archive upload for an import). */
  progress: number;
  fileName?: string;
  view?: JobView;
  error?: string;
}

const phaseOf = (v: JobView): TrackedJob['phase'] =>
  v.status === 'succeeded' ? 'succeeded' : v.status === 'failed' || v.status === 'dead' ? 'failed' : v.status;

export const isRunning = (j: TrackedJob): boolean => j.phase === 'queued' || j.phase === 'active' || j.phase === 'uploading';

/**
 * Jobs live in the app, not in a workspace screen, so switching workspace does
 * not lose them. Updates come from the workspace's SSE stream (job.progress,
 * job.finished); a slow poll of GET /api/jobs/:id covers events missed while
 * the stream was down or before it was open.
 */
export function useJobs() {
  const [jobs, setJobs] = useState<TrackedJob[]>([]);
  const jobsRef = useRef(jobs);
  jobsRef.current = jobs;

  const add = useCallback((j: TrackedJob) => setJobs((all) => [j, ...all]), []);
  const update = useCallback((localId: string, patch: Partial<TrackedJob>) => {
    setJobs((all) => all.map((j) => (j.localId === localId ? { ...j, ...patch } : j)));
  }, []);
  const dismiss = useCallback((localId: string) => setJobs((all) => all.filter((j) => j.localId !== localId)), []);
  const clear = useCallback(() => setJobs([]), []);

  const applyView = useCallback((v: JobView) => {
    setJobs((all) =>
      all.map((j) => {
        if (j.jobId !== v.id) return j;
        const phase = phaseOf(v);
        // A finished job never goes back to running because of a late poll.
        if (!isRunning(j) && (phase === 'queued' || phase === 'active')) return j;
        return { ...j, view: v, phase, progress: phase === 'succeeded' ? 1 : j.progress };
      }),
    );
  }, []);

  const applyEvent = useCallback(
    (e: WorkspaceEvent) => {
      if (e.type === 'job.progress') {
        setJobs((all) =>
          all.map((j) => (j.jobId === e.jobId && isRunning(j) ? { ...j, phase: 'active', progress: Math.max(j.progress, e.progress) } : j)),
        );
      } else if (e.type === 'job.finished') {
        applyView(e.job);
      }
    },
    [applyView],
  );

  useEffect(() => {
    const t = setInterval(() => {
      for (const j of jobsRef.current) {
        if (j.jobId && (j.phase === 'queued' || j.phase === 'active')) {
          api.job(j.jobId).then(applyView, () => undefined);
        }
      }
    }, 2500);
    return () => clearInterval(t);
  }, [applyView]);

  return { jobs, add, update, dismiss, clear, applyEvent, applyView };
}

export type Jobs = ReturnType<typeof useJobs>;
