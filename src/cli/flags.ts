import {Flags} from '@oclif/core'
import type {OptionOverrides} from '../graduation/overrides.js'

/** `-m/--manifest`, shared by every command that reads the manifest. */
export const manifestFlag = Flags.string({
  char: 'm',
  description: 'The environment manifest.',
  default: 'graduate.yml',
  env: 'GRADUATE_MANIFEST',
})

/** `-y/--yes`, shared by every command that asks before it acts (and needs it without a terminal). */
export const yesFlag = Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).', default: false, env: 'GRADUATE_YES'})

/** `--accept-new-host-keys`, on every command that connects to a host. */
export const acceptNewHostKeysFlag = Flags.boolean({
  description: "Accept a host key known_hosts does not have yet, and record it there (like ssh's StrictHostKeyChecking=accept-new). A changed key is still refused.",
  default: false,
})

/** `--concurrency`, on a graduation and a rollback. */
export const concurrencyFlag = Flags.integer({description: 'Deploys at once per host (overrides options.concurrency).', min: 1, max: 64})

/** `--switch-timeout`, on a graduation and a rollback. */
export const switchTimeoutFlag = Flags.string({description: 'After the release, how long apps at the nginx switch wait for the rest (options.timeouts.switch).'})

/** What a run's flags override of the manifest's options; a flag not given leaves the manifest's value. */
export function optionOverrides(flags: {
  concurrency?: number | undefined
  'deploy-timeout'?: string | undefined
  'hold-timeout'?: string | undefined
  'hook-timeout'?: string | undefined
  'switch-timeout'?: string | undefined
  lease?: string | undefined
}): OptionOverrides {
  return {
    concurrency: flags.concurrency,
    deployTimeout: flags['deploy-timeout'],
    holdTimeout: flags['hold-timeout'],
    hookTimeout: flags['hook-timeout'],
    switchTimeout: flags['switch-timeout'],
    lease: flags.lease,
  }
}
