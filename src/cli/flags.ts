import {Flags} from '@oclif/core'

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
