/** One finding of `graduate doctor`: ok, worth a look (warn), or something a graduation refuses (fail). */
export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface DoctorRow {
  status: CheckStatus
  /** The host's login as graduate uses it, e.g. `dokku@prod-1.example.com:22`. */
  host: string
  /** For an app's rows: the environment and the manifest's app name. */
  env?: string
  app?: string
  /** The Dokku app's name on the host, when it differs from the manifest's. */
  targetApp?: string
  /** What was checked: `ssh`, `dokku`, `gate plugin`, `proxy`, `web scale`… */
  check: string
  /** What was found, in a sentence. */
  found: string
  /** The exact command (or edit) that fixes it, for a warn or fail that has one. */
  fix?: string
}

/** Collects rows as checks run; each check adds at most a few. */
export class RowSink {
  readonly rows: DoctorRow[] = []

  constructor(private readonly subject: Pick<DoctorRow, 'host' | 'env' | 'app' | 'targetApp'>) {}

  ok(check: string, found: string): void {
    this.rows.push({status: 'ok', ...this.subject, check, found})
  }

  warn(check: string, found: string, fix?: string): void {
    this.rows.push({status: 'warn', ...this.subject, check, found, ...(fix === undefined ? {} : {fix})})
  }

  fail(check: string, found: string, fix?: string): void {
    this.rows.push({status: 'fail', ...this.subject, check, found, ...(fix === undefined ? {} : {fix})})
  }
}
