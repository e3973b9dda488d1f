import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {gunzipSync} from 'node:zlib'
import {CaptureFailure} from './errors.js'

/** Module file endings Debian and upstream kernels use, longest first. */
export const MODULE_SUFFIXES = ['.ko.zst', '.ko.xz', '.ko.gz', '.ko'] as const

/**
 * Reads a kernel module, decompressing .ko.xz / .ko.zst with the host's xz / zstd (Node 20 has
 * neither codec) and .ko.gz with zlib. busybox insmod needs the plain ELF image.
 */
export async function readModuleFile(path: string): Promise<Buffer> {
  if (path.endsWith('.ko')) return readFile(path)
  if (path.endsWith('.ko.gz')) return gunzipSync(await readFile(path))
  if (path.endsWith('.ko.xz')) return runDecompressor('xz', ['-dc', '--', path], 'xz-utils')
  if (path.endsWith('.ko.zst')) return runDecompressor('zstd', ['-dcq', '--', path], 'zstd')
  throw new RangeError(`not a kernel module file name: ${path}`)
}

function runDecompressor(tool: string, args: string[], debianPackage: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, {encoding: 'buffer', maxBuffer: 256 * 1024 * 1024}, (err, stdout, stderr) => {
      if (!err) return resolve(stdout)
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new CaptureFailure('tool', `${tool} not found: needed to unpack ${args.at(-1)} (install ${debianPackage})`, [], 2))
      }
      const why = stderr.toString('utf8').trim().split('\n').at(-1) ?? err.message
      reject(new CaptureFailure('tool', `${tool} failed on ${args.at(-1)}: ${why}`, [], 2))
    })
  })
}
