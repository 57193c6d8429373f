import YAML from 'yaml'

export interface TemplateEnvironment {
  name: string
  /** `[user@]host[:port]` as the user gave it. */
  host: string
  identityFile?: string
  knownHostsFile?: string
}

export interface TemplateInput {
  environments: TemplateEnvironment[]
  /** Apps on every environment's host, in the order written. */
  apps: string[]
  /** Per environment, the apps found only there, and apps whose names the manifest cannot take. */
  leftOut: Array<{env: string; apps: string[]}>
  unusableNames: string[]
  /** When and how it was written, for the header. */
  writtenAt: string
}

/**
 * A commented graduate.yml in the style of the repository's example: the environments in chain order
 * with their hosts, the apps every environment has, the apps left out (in comments), and every optional
 * section commented out with its defaults, ready to edit.
 */
export function manifestTemplate(input: TemplateInput): string {
  const chain = input.environments.map((env) => env.name)
  const last = chain.at(-1)!
  const lines = [
    '# graduate.yml: which apps graduate together, and where each environment lives.',
    `# Written by \`graduate init\` on ${input.writtenAt} from the apps on each environment's host; edit it freely.`,
    `# \`graduate validate\` checks it, \`graduate doctor\` checks the hosts, \`graduate plan ${chain[0]} ${chain[1]}\` shows a run.`,
    '# Editors complete this file from `graduate schema`.',
    '',
    noted('environments:', `the promotion chain, in order: ${chain.join(' → ')}`),
  ]
  for (const env of input.environments) {
    lines.push(`  ${env.name}:`, `    host: ${scalar(env.host)}`)
    if (env.identityFile !== undefined) lines.push(`    identityFile: ${scalar(env.identityFile)}`)
    if (env.knownHostsFile !== undefined) lines.push(`    knownHostsFile: ${scalar(env.knownHostsFile)}`)
  }
  lines.push(
    noted('    # apps:', `where an app differs in ${last} (optional)`),
    '    #   worker:',
    noted(`    #     name: worker-${last}`, "the Dokku app's name here (default: the manifest name)"),
    noted('    #     host: dokku@jobs.example.com', 'and it lives on its own host'),
    '',
    '# The peer apps, graduated as one unit: every app found on the hosts of all environments.',
    'apps:',
    ...input.apps.map((app) => `  ${key(app)}:`),
  )
  const leftOut = input.leftOut.filter((entry) => entry.apps.length > 0)
  if (leftOut.length > 0 || input.unusableNames.length > 0) {
    lines.push('# Left out, since not every environment has them (add one here, and name it per environment', '# with environments.<env>.apps.<app>.name if it is called differently somewhere):')
    for (const entry of leftOut) lines.push(`#   only in ${entry.env}: ${entry.apps.join(', ')}`)
    if (input.unusableNames.length > 0) lines.push(`#   names a manifest cannot take (Dokku's older rules allowed "_"): ${input.unusableNames.join(', ')}`)
  }
  lines.push(
    '',
    noted('# drift:', 'config keys a source may set and its target lack, for every app'),
    noted('#   allow: [SENTRY_ENVIRONMENT]', '(otherwise such a key stops the graduation; see `graduate plan`)'),
    '',
    noted('hooks:', 'optional; each phase is a list, run in order'),
    noted('  # pre:', 'before anything is deployed'),
    '  #   - label: Check the release calendar',
    '  #     local: ./scripts/release-allowed.sh',
    noted('  # post:', 'once every app is held, before the release: migrations go here,'),
    noted('  #   - label: Migrate the database', 'not in a Procfile `release:` (that runs before the hold)'),
    noted(`  #     run: {app: ${input.apps[0] ?? 'api'}, command: bin/migrate}`, '`dokku run` on the target: new image, new config'),
    '  #     timeout: 10m',
    noted(`  #     environments: [${chain.slice(1).join(', ')}]`, 'optional; only when graduating into these'),
    noted('  # rollback:', 'instead of post, when `graduate rollback` holds the previous revisions'),
    noted('  # released:', 'after every app went live'),
    noted('  # aborted:', 'after an abort; every app still serves its old release'),
    '',
    noted('# options:', 'these are the defaults'),
    noted('#   concurrency: 4', 'deploys at once per host (1..64)'),
    noted('#   lease: 2m', 'a held deploy aborts itself if graduate goes silent this long'),
    '#   timeouts:',
    noted('#     connect: 20s', 'opening an SSH connection'),
    noted('#     command: 2m', 'any single remote command'),
    noted('#     deploy: 30m', 'from push start until the app is held'),
    noted('#     hold: 1h', 'the longest apps stay held, POST hooks included'),
    noted('#     hook: 30m', 'a hook without its own timeout'),
    '',
  )
  return lines.join('\n')
}

/** A line with its comment in the column the repository's graduate.yml uses. */
function noted(code: string, note: string): string {
  return `${code.padEnd(35)} # ${note}`
}

/** A string as a YAML plain scalar when it reads back as itself, else double-quoted. */
function scalar(value: string): string {
  return YAML.stringify(value, {lineWidth: 0}).trimEnd()
}

/** An app name as a mapping key: bare when YAML reads it as that string (not `true`, `null` or a number). */
function key(name: string): string {
  return YAML.parse(name) === name ? name : JSON.stringify(name)
}
