import {profileByName} from '../../src/model/profiles.js'
import type {KernelProfile} from '../../src/model/profiles.js'
import {KERNEL_SERIES} from '../../src/model/series.js'

export function profile(name: string): KernelProfile {
  const p = profileByName(name)
  if (!p) throw new Error(`no profile ${name}`)
  return p
}

export const P510 = profile('5.10')
export const P61 = profile('6.1')
export const P612 = profile('6.12')
export const PML = profile('mainline')
export const ALL = [P510, P61, P612, PML]
export const ALL_NAMES = [...KERNEL_SERIES]
