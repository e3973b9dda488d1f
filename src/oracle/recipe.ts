/**
 * What to lift out of a kernel tree for the oracle, and how: one translation unit per group of kernel
 * files, with the functions under test as roots. Works for trees with the probe code inline in
 * virtio_pci_modern.c / virtio_pci_legacy.c (up to 5.11 / 5.16) and for trees with the *_dev.c split.
 */
import {extractSymbols, ExtractError, type ExtractedSymbol, type KernelSourceFile} from './extract.js'
import {blankCommentsAndStrings, parseCFile} from './csource.js'
import type {KernelTree} from './tree.js'

export interface TranslationUnit {
  readonly name: string
  readonly text: string
  readonly extracted: readonly ExtractedSymbol[]
}

export interface CopiedHeader {
  /** Path under the build's kinc/ include directory. */
  readonly dest: string
  readonly from: string
  readonly text: string
}

export interface BuildPlan {
  readonly kernelVersion: string
  readonly units: readonly TranslationUnit[]
  readonly headers: readonly CopiedHeader[]
  /** Every kernel file read (for the cache key). */
  readonly sources: readonly KernelSourceFile[]
  /** Symbols the linker routes through the glue (--wrap), so calls across units are observed. */
  readonly wraps: readonly string[]
  readonly driverName: string
}

/** A build could not be planned or compiled; names the file or symbol at fault. */
export class OracleBuildError extends Error {
  override readonly name = 'OracleBuildError'
  constructor(
    message: string,
    readonly file?: string,
    readonly symbol?: string,
  ) {
    super(message)
  }
}

/** The names a stub header declares or defines (so the kernel's own are not lifted). */
export function providedNames(headerText: string): Set<string> {
  const names = new Set<string>()
  for (const item of parseCFile(headerText)) if (item.name) names.add(item.name)
  return names
}

/** Glue-defined names the probe code assigns or refers to but never calls during probe. */
const VIRTIO_GLUE_NAMES = new Set([
  'setup_vq',
  'del_vq',
  'vp_config_vector',
  'vp_avq_index',
  'virtio_pci_config_ops',
  'virtio_pci_config_nodev_ops',
])
const COMMON_GLUE_NAMES = new Set(['force_legacy', 'virtio_pci_release_dev'])
/** The harness's entry to vp_modern_map_vq_notify: also tells it where common config's queue
 * registers are, so that it can answer queue_notify_off for the selected queue. */
const MAP_VQ_NOTIFY_GLUE = [
  'void __iomem *oracle_map_vq_notify(struct virtio_device *vdev, unsigned short index, const volatile void **common, int *select_off, int *notify_off_off)',
  '{',
  '\tstruct virtio_pci_device *vp_dev = to_vp_device(vdev);',
  '\t*common = vp_dev->mdev.common;',
  '\t*select_off = offsetof(struct virtio_pci_common_cfg, queue_select);',
  '\t*notify_off_off = offsetof(struct virtio_pci_common_cfg, queue_notify_off);',
  '\treturn vp_modern_map_vq_notify(&vp_dev->mdev, index, NULL);',
  '}',
].join('\n')
const TRANSPORT_PROBES = ['virtio_pci_modern_probe', 'virtio_pci_legacy_probe', 'virtio_pci_modern_remove', 'virtio_pci_legacy_remove']

const REQUIRED = [
  'drivers/virtio/virtio_pci_common.c',
  'drivers/virtio/virtio_pci_common.h',
  'drivers/virtio/virtio_pci_modern.c',
  'drivers/virtio/virtio_pci_legacy.c',
  'drivers/pci/pci.c',
  'drivers/pci/pci.h',
  'drivers/base/dd.c',
  'include/uapi/linux/virtio_pci.h',
  'include/uapi/linux/pci_regs.h',
]

/** The files `planBuild` reads from a tree (for extracting only these from a source tarball). */
export const TREE_FILES = [
  ...REQUIRED,
  'drivers/virtio/virtio_pci_modern_dev.c',
  'drivers/virtio/virtio_pci_legacy_dev.c',
  'include/linux/virtio_pci_modern.h',
  'include/linux/virtio_pci_legacy.h',
  'include/linux/virtio_pci_admin.h',
  'include/linux/virtio_features.h',
  'lib/pci_iomap.c',
  'drivers/pci/iomap.c',
  'Makefile',
]

/**
 * Plans the build. `glueNames` are the names the stub kernel (oracle_kernel.h) already provides: the
 * kernel's own definitions of those are never lifted (e.g. pci_enable_device, reached through devres).
 */
export function planBuild(tree: KernelTree, glueNames: ReadonlySet<string> = new Set()): BuildPlan {
  for (const path of REQUIRED) {
    if (!tree.has(path)) throw new OracleBuildError(`kernel tree ${tree.root} has no ${path}`, path)
  }
  const iomapPath = tree.firstOf('drivers/pci/iomap.c', 'lib/pci_iomap.c')
  if (!iomapPath) throw new OracleBuildError(`kernel tree ${tree.root} has neither drivers/pci/iomap.c nor lib/pci_iomap.c`, 'lib/pci_iomap.c')

  const read = new Map<string, KernelSourceFile>()
  const file = (path: string): KernelSourceFile => {
    let f = read.get(path)
    if (!f) {
      f = tree.file(path)
      read.set(path, f)
    }
    return f
  }
  const optional = (path: string): KernelSourceFile[] => (tree.has(path) ? [file(path)] : [])

  const headers: CopiedHeader[] = []
  const copy = (from: string, dest: string): void => {
    if (tree.has(from)) headers.push({dest, from, text: file(from).text})
  }
  copy('drivers/virtio/virtio_pci_common.h', 'virtio_pci_common.h')
  copy('include/uapi/linux/virtio_pci.h', 'linux/virtio_pci.h')
  copy('include/uapi/linux/pci_regs.h', 'linux/pci_regs.h')
  copy('include/linux/virtio_pci_modern.h', 'linux/virtio_pci_modern.h')
  copy('include/linux/virtio_pci_legacy.h', 'linux/virtio_pci_legacy.h')
  copy('include/linux/virtio_pci_admin.h', 'linux/virtio_pci_admin.h')
  copy('include/linux/virtio_features.h', 'linux/virtio_features.h')

  const virtioPrelude = (files: KernelSourceFile[]): string => prelude(files, ['"virtio_pci_common.h"'])
  const plainPrelude = (files: KernelSourceFile[]): string => prelude(files, [])
  const transportExternal = new Set(TRANSPORT_PROBES)

  const units: TranslationUnit[] = []
  const protos: string[] = []
  const unit = (name: string, files: KernelSourceFile[], roots: string[], opts: {declareOnly?: Set<string>; external?: Set<string>; virtio: boolean; epilogue?: string; exportsPrototypes?: boolean}): void => {
    try {
      const r = extractSymbols({
        files,
        roots,
        declareOnly: opts.declareOnly,
        external: new Set([...glueNames, ...(opts.external ?? [])]),
        prelude: opts.virtio ? virtioPrelude(files) : plainPrelude(files),
        epilogue: opts.epilogue,
      })
      units.push({name, text: r.text, extracted: r.extracted})
      if (opts.exportsPrototypes) protos.push(...r.rootDeclarations)
    } catch (err) {
      if (err instanceof ExtractError) throw new OracleBuildError(err.message, err.files.join(', '), err.symbol)
      throw err
    }
  }

  const modernFiles = [...optional('drivers/virtio/virtio_pci_modern_dev.c'), file('drivers/virtio/virtio_pci_modern.c')]
  const legacyFiles = [...optional('drivers/virtio/virtio_pci_legacy_dev.c'), file('drivers/virtio/virtio_pci_legacy.c')]
  // Where the tree has vp_modern_map_vq_notify (from 5.14), the harness maps each queue's notify area
  // with it after a successful probe (oracle_glue.c map_queues).
  const mapVqNotify = modernFiles.some((f) => parseCFile(f.text).some((i) => i.kind === 'function' && i.name === 'vp_modern_map_vq_notify'))
  unit('virtio_modern', modernFiles, ['virtio_pci_modern_probe', 'virtio_pci_modern_remove', ...(mapVqNotify ? ['vp_modern_map_vq_notify'] : [])], {
    declareOnly: VIRTIO_GLUE_NAMES,
    virtio: true,
    ...(mapVqNotify ? {epilogue: MAP_VQ_NOTIFY_GLUE} : {}),
  })
  unit('virtio_legacy', legacyFiles, ['virtio_pci_legacy_probe', 'virtio_pci_legacy_remove'], {declareOnly: VIRTIO_GLUE_NAMES, virtio: true})
  unit('virtio_common', [file('drivers/virtio/virtio_pci_common.c')], ['virtio_pci_probe', 'virtio_pci_id_table'], {
    declareOnly: COMMON_GLUE_NAMES,
    external: transportExternal,
    virtio: true,
    epilogue: [
      'int oracle_virtio_pci_probe(struct pci_dev *pci_dev)',
      '{',
      '\treturn virtio_pci_probe(pci_dev, NULL);',
      '}',
      'const struct pci_device_id *const oracle_virtio_pci_id_table = virtio_pci_id_table;',
    ].join('\n'),
  })
  const pciFiles = [file('drivers/pci/pci.h'), file('drivers/pci/pci.c')]
  unit('pci_core', pciFiles, [
    'pci_find_capability',
    'pci_find_next_capability',
    'pci_request_region',
    'pci_release_region',
    'pci_request_selected_regions',
    'pci_release_selected_regions',
  ], {virtio: false, exportsPrototypes: true})
  const iomapFiles = iomapPath.startsWith('drivers/pci/') ? [file('drivers/pci/pci.h'), file(iomapPath)] : [file(iomapPath)]
  unit('pci_iomap_range', iomapFiles, ['pci_iomap_range'], {virtio: false, exportsPrototypes: true})
  unit('pci_iomap', iomapFiles, ['pci_iomap'], {virtio: false, external: new Set(['pci_iomap_range']), exportsPrototypes: true})
  units.push(probeReportUnit(file('drivers/base/dd.c')))
  headers.push({dest: 'oracle_protos.h', from: '(generated from the lifted PCI core functions)', text: protos.join('\n') + '\n'})

  return {
    kernelVersion: tree.version(),
    units,
    headers,
    sources: [...read.values()].sort((a, b) => a.path.localeCompare(b.path)),
    wraps: ['pci_iomap_range', 'virtio_pci_modern_probe', 'virtio_pci_legacy_probe'],
    driverName: driverName(file('drivers/virtio/virtio_pci_common.c')),
  }
}

/** The includes a unit starts with: the file's own pr_fmt, the stub kernel, then kernel headers. */
function prelude(files: KernelSourceFile[], includes: string[]): string {
  const lines: string[] = []
  for (const f of files) {
    const prFmt = parseCFile(f.text).find((i) => i.kind === 'macro' && i.name === 'pr_fmt')
    if (prFmt) {
      lines.push(prFmt.text)
      break
    }
  }
  lines.push('#include "oracle_kernel.h"')
  for (const inc of includes) lines.push(`#include ${inc}`)
  return lines.join('\n')
}

/**
 * The driver core's report of a failed probe (drivers/base/dd.c): the `switch (ret)` around the
 * "failed with error" message, lifted as it is into a function of (dev, drv, ret).
 */
function probeReportUnit(dd: KernelSourceFile): TranslationUnit {
  const blank = blankCommentsAndStrings(dd.text)
  const msgAt = dd.text.indexOf('failed with error')
  if (msgAt < 0) throw new OracleBuildError('drivers/base/dd.c: no "failed with error" message found', 'drivers/base/dd.c', 'really_probe')
  const switchAt = blank.lastIndexOf('switch (ret)', msgAt)
  const braceAt = switchAt >= 0 ? blank.indexOf('{', switchAt) : -1
  if (braceAt < 0) throw new OracleBuildError('drivers/base/dd.c: no `switch (ret)` around the probe failure message', 'drivers/base/dd.c', 'switch (ret)')
  let depth = 0
  let end = braceAt
  for (; end < blank.length; end++) {
    if (blank[end] === '{') depth++
    else if (blank[end] === '}' && --depth === 0) break
  }
  const line = dd.text.slice(0, switchAt).split('\n').length
  const text = [
    '#include "oracle_kernel.h"',
    'void oracle_report_probe_result(struct device *dev, const struct device_driver *drv, int ret)',
    '{',
    '\tint local_trigger_count = 0;',
    '\t(void)local_trigger_count;',
    `#line ${line} "drivers/base/dd.c"`,
    '\t' + dd.text.slice(switchAt, end + 1),
    '}',
    '',
  ].join('\n')
  return {name: 'driver_core_report', text, extracted: [{name: 'switch (ret) in ' + enclosingFunction(dd.text, switchAt), file: dd.path, line}]}
}

function enclosingFunction(text: string, pos: number): string {
  const before = text.slice(0, pos)
  const m = [...before.matchAll(/^(?:static\s+)?[a-z][\w\s*]*?\b([a-z_]\w*)\s*\([^;{]*\)\s*\{/gm)].pop()
  return m?.[1] ?? 'drivers/base/dd.c'
}

function driverName(common: KernelSourceFile): string {
  const m = /struct\s+pci_driver\s+virtio_pci_driver\s*=\s*\{[^}]*?\.name\s*=\s*"([^"]+)"/s.exec(common.text)
  return m?.[1] ?? 'virtio-pci'
}
