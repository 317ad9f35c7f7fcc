import type { Command } from 'commander';

export function register(_program: Command): void {
  // filled in by the dashboard work (issue 6)
}
