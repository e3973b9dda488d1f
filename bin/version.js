/**
 * `probediff --version` without loading oclif (most of a bare start-up): the line oclif prints,
 * `NAME/VERSION PLATFORM-ARCH node-vX.Y.Z`. Returns undefined where oclif would say more than
 * package.json and the process tell (WSL, plugins, other version flags, or a hook oclif runs around
 * --version: init, finally): oclif answers then.
 */
import {existsSync, readFileSync} from 'node:fs'
import {arch, release} from 'node:os'

export function versionLine(root) {
  let pjson
  try {
    pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  } catch {
    return undefined
  }
  const oclif = pjson.oclif ?? {}
  if (oclif.plugins !== undefined || oclif.additionalVersionFlags !== undefined) return undefined
  if (oclif.hooks?.init !== undefined || oclif.hooks?.finally !== undefined) return undefined
  if (process.platform === 'linux' && mayBeWsl()) return undefined
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  return `${pjson.name}/${pjson.version} ${process.platform}-${cpu} node-${process.version}`
}

/** The signs oclif's platform check (is-wsl) looks for. */
function mayBeWsl() {
  if (release().toLowerCase().includes('microsoft')) return true
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true
  } catch {
    // no /proc: not WSL either
  }
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')
}
