import {homedir} from 'node:os'
import {join} from 'node:path'

/** probediff's cache (kernels, QEMU packages, oracle sources and builds): $PROBEDIFF_CACHE, else ~/.cache/probediff. */
export function probediffCacheDir(): string {
  return process.env.PROBEDIFF_CACHE ?? join(homedir(), '.cache', 'probediff')
}
