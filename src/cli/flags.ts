import {Flags} from '@oclif/core'

/** `-m/--manifest`, shared by every command that reads the manifest. */
export const manifestFlag = Flags.string({
  char: 'm',
  description: 'The environment manifest.',
  default: 'graduate.yml',
  env: 'GRADUATE_MANIFEST',
})
