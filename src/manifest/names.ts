import {isReservedEnvironmentName} from './reserved.js'

/** Dokku's own rule for app names: `IsValidAppName` in dokku's plugins/common/common.go. */
export const DOKKU_APP_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]*$/

/** Environment names appear on the command line and in host state, so they stay plain. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-z][a-z0-9-]*$/

/** What is wrong with an app name, or undefined when Dokku would accept it. */
/** YAML reads a key written as `null`, `~` or nothing at all as an empty name. */
const EMPTY_NAME = 'the key is empty (YAML reads null, ~ or nothing before the colon as no name at all); write the name'

export function appNameProblem(name: string): string | undefined {
  if (DOKKU_APP_NAME_PATTERN.test(name)) return undefined
  if (name === '') return EMPTY_NAME
  return (
    `${JSON.stringify(name)} is not a valid Dokku app name; Dokku allows lowercase letters, digits, dots and hyphens, ` +
    `starting with a letter or digit${exampleFix(name, /[^a-z0-9.-]+/g, /^[^a-z0-9]+/)}`
  )
}

/** What is wrong with an environment name, or undefined when it is fine. */
export function environmentNameProblem(name: string): string | undefined {
  if (name === '') return EMPTY_NAME
  if (!ENVIRONMENT_NAME_PATTERN.test(name)) {
    return (
      `${JSON.stringify(name)} is not a valid environment name; use lowercase letters, digits and hyphens, ` +
      `starting with a letter${exampleFix(name, /[^a-z0-9-]+/g, /^[^a-z]+/)}`
    )
  }
  if (isReservedEnvironmentName(name)) {
    return (
      `${JSON.stringify(name)} is also a graduate command, so \`graduate ${name} …\` would be ambiguous; ` +
      `rename the environment, e.g. ${name}-env`
    )
  }
  return undefined
}

/** A suggestion built from the rejected name, so the reader sees the rule applied to their own input. */
function exampleFix(name: string, disallowed: RegExp, badStart: RegExp): string {
  const fixed = name.toLowerCase().replace(disallowed, '-').replace(badStart, '')
  return fixed === '' ? '' : ` (e.g. ${fixed})`
}
