import { JobFailure, type JobContext } from '@bigapp/kit';

/** Placeholder until the image service is built. */
export async function thumbnail(_data: { workspaceId: string; mediaId: string; key: string }, _ctx: JobContext): Promise<never> {
  throw new JobFailure('not_implemented', 'thumbnails are not implemented yet');
}
