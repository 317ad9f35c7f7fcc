import { AppError } from '@bigapp/kit/errors';

/**
 * Every failure of render/validate/images/kubectl. The code lets scripts and
 * tests tell "bad settings" from "bad declaration" without parsing messages.
 */
export type DeployErrorCode =
  | 'deploy_unknown_environment'
  | 'deploy_settings_invalid'
  | 'deploy_declaration_invalid'
  | 'deploy_manifest_invalid'
  | 'deploy_validator_unavailable'
  | 'deploy_context_mismatch'
  | 'deploy_manifests_stale'
  | 'deploy_command_failed';

export class DeployError extends AppError {
  declare readonly code: DeployErrorCode;
  constructor(code: DeployErrorCode, message: string, opts: { details?: unknown; cause?: unknown } = {}) {
    super(code, message, { ...opts, safeMessage: message, status: 400 });
    this.name = 'DeployError';
  }
}
