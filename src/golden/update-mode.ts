/**
 * When goldens may be written (insta / vitest semantics):
 * - none: never write; a changed or new golden fails the run;
 * - new:  write pending golden/<case>.json.new files for changed and new cases, for review;
 * - all:  rewrite changed goldens and write new ones in place.
 * Default: `none` when the CI environment variable is set (and not false/0/empty), else `new`.
 */
export const UPDATE_MODES = ['none', 'new', 'all'] as const
export type UpdateMode = (typeof UPDATE_MODES)[number]

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false'
}

export function defaultUpdateMode(env: NodeJS.ProcessEnv = process.env): UpdateMode {
  return isCi(env) ? 'none' : 'new'
}
