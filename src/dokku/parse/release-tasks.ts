/*
 * The tasks Dokku runs around a deploy, read from an app's Procfile and app.json the way Dokku reads
 * them: the Procfile's `release` entry (procfile-util, non-strict, as `procfile-get-command` calls it)
 * and app.json's `scripts.dokku.predeploy` / `postdeploy` (plugins/app-json). `release` and `predeploy`
 * run in the release phase, before check-deploy — so before graduate's hold: a migration there runs
 * even when the graduation then aborts (dokku-contract.md §6.9).
 */

export interface ReleaseTasks {
  /** The Procfile's `release` command. */
  release?: string
  /** app.json `scripts.dokku.predeploy`: runs in the image before the deploy starts containers. */
  predeploy?: string
  /** app.json `scripts.dokku.postdeploy`: runs after the deploy, so after graduate's release. */
  postdeploy?: string
}

export interface MigrationLikeTask {
  where: 'Procfile release' | 'app.json predeploy'
  command: string
}

/**
 * The release tasks a Procfile and an app.json define. A Procfile Dokku would reject (a line that is
 * not `type: command`, a duplicate type) and an app.json that is not valid JSON, or whose scripts are
 * not strings, define no task: Dokku runs none from them either.
 */
export function parseReleaseTasks(files: {procfile?: string | undefined; appJson?: string | undefined}): ReleaseTasks {
  const tasks: ReleaseTasks = {}
  const release = files.procfile === undefined ? undefined : procfileEntries(files.procfile)?.get('release')
  if (release !== undefined) tasks.release = release
  const scripts = files.appJson === undefined ? undefined : dokkuScripts(files.appJson)
  if (scripts?.predeploy) tasks.predeploy = scripts.predeploy
  if (scripts?.postdeploy) tasks.postdeploy = scripts.postdeploy
  return tasks
}

// procfile-util's non-strict entry (`reOldCmd`), its trailing-comment forms, and its name limit.
const ENTRY = /^([A-Za-z0-9_-]+):\s*(.+)$/
const TRAILING_HASH_COMMENT = /^(.*)\s#.+$/
const TRAILING_SLASH_COMMENT = /^(.*)\s\/\/.+$/
const MAX_NAME_LENGTH = 63

/** Every `type: command` of a Procfile, or undefined when procfile-util would refuse the file. */
function procfileEntries(text: string): Map<string, string> | undefined {
  const entries = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue
    const match = ENTRY.exec(line)
    if (match === null) return undefined
    const name = match[1]!
    if (name.length > MAX_NAME_LENGTH || entries.has(name)) return undefined
    let command = match[2]!
    command = (TRAILING_HASH_COMMENT.exec(command) ?? TRAILING_SLASH_COMMENT.exec(command))?.[1] ?? command
    command = command.trim()
    if (command === '' || command.startsWith('#') || command.startsWith('//')) return undefined
    entries.set(name, command)
  }
  return entries
}

/** app.json's `scripts.dokku`, or undefined when Dokku could not read the file into its struct. */
function dokkuScripts(text: string): {predeploy?: string; postdeploy?: string} | undefined {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isObject(document)) return undefined
  const scripts = document['scripts']
  if (scripts === undefined || scripts === null) return {}
  if (!isObject(scripts)) return undefined
  const dokku = scripts['dokku']
  if (dokku === undefined || dokku === null) return {}
  if (!isObject(dokku)) return undefined
  const result: {predeploy?: string; postdeploy?: string} = {}
  for (const key of ['predeploy', 'postdeploy'] as const) {
    const value = dokku[key]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string') return undefined
    result[key] = value.trim()
  }
  return result
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Commands of the common migration tools. A false positive costs a warning; a missed migration runs
 * before the hold, so the list leans towards matching.
 */
const MIGRATION_PATTERNS: readonly RegExp[] = [
  // migrate, migration(s): manage.py migrate, rails/rake/sequelize db:migrate, prisma/knex/goose/flyway migrate,
  // typeorm migration:run, diesel migration run, php artisan migrate, mix ecto.migrate, bin/migrate…
  /migrat/i,
  /\balembic\b.*\b(upgrade|downgrade|stamp)\b/i,
  /\bflask\s+db\s+(upgrade|downgrade)\b/i,
  /\b(rake|rails)\b.*\bdb:/i,
  /\bsequelize\b.*\bdb:/i,
  /\bflyway\b/i,
  /\bliquibase\b/i,
  /\bdbmate\b/i,
  /\bsqitch\b.*\bdeploy\b/i,
  /\bgoose\b.*\bup\b/i,
  /\bprisma\s+db\s+push\b/i,
  /\bdrizzle-kit\s+push\b/i,
  /\bschema:(load|update)\b/i,
  /\bmix\s+ecto\./i,
  /\batlas\s+schema\s+apply\b/i,
]

/** The release tasks that run before graduate's hold and look like schema migrations. */
export function migrationLikeTasks(tasks: ReleaseTasks): MigrationLikeTask[] {
  const found: MigrationLikeTask[] = []
  if (tasks.release !== undefined && looksLikeMigration(tasks.release)) found.push({where: 'Procfile release', command: tasks.release})
  if (tasks.predeploy !== undefined && looksLikeMigration(tasks.predeploy)) found.push({where: 'app.json predeploy', command: tasks.predeploy})
  return found
}

function looksLikeMigration(command: string): boolean {
  return MIGRATION_PATTERNS.some((pattern) => pattern.test(command))
}
