/** The oracle's public surface, for `replay --oracle` / `check --oracle`. */
export {buildOracle, type BuildOptions, type BuildResult, type OracleManifest} from './build.js'
export {resolveOracle, listCachedBuilds, versionInSeries, type ResolvedOracle} from './resolve.js'
export {runOracle, OracleProcess, OracleRunError} from './run.js'
export {compareWithModel, formatDifferences, type OracleComparison, type OracleDifference} from './compare.js'
export type {OracleResult, OracleMessage, OracleMapping} from './result.js'
export type {OracleCase, Injections} from './case-format.js'
export {OracleBuildError} from './recipe.js'
export {DEBIAN_SERIES, ensureDebianTree, type DebianSeries} from './debian.js'
