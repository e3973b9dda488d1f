/** The model's public surface: the probe, the profiles, force_legacy, and setup_vq (apart). */
export type {ConfigRead, ConfigSpaceReader, ProbeInput, ResourceFacts} from './input.js'
export {predict, probe} from './virtio-pci-probe.js'
export {PROFILE_NAMES, type KernelProfile, type ProfileRules, profileByName, profileFor, resolveRelease, ruleDifferences, rulesAt} from './profiles.js'
export {forceLegacyFromCmdline} from './kernel-cmdline.js'
export {type QueueFacts, type QueueOutcome, setupVqs} from './setup-vq.js'
export {specLints} from './spec-lints.js'
export {virtioTypeName} from './virtio-ids.js'
