import { JobFailure, type JobContext } from '@bigapp/kit';

/** Placeholder until the export service is built. */
export async function exportWorkspace(_data: { workspaceId: string; requestedBy: string }, _ctx: JobContext): Promise<never> {
  throw new JobFailure('not_implemented', 'export is not implemented yet');
}
