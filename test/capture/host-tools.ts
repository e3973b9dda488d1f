import {execFileSync} from 'node:child_process'

/** Whether a host tool runs (`TOOL --version` exits 0); tests that need it are skipped otherwise. */
export function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}
