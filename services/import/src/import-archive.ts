import { JobFailure, type JobContext } from '@bigapp/kit';

/** Placeholder until the import service is built. */
export async function importArchive(_data: { workspaceId: string; key: string; requestedBy: string }, _ctx: JobContext): Promise<never> {
  throw new JobFailure('not_implemented', 'import is not implemented yet');
}
