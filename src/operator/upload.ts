import {shellLine} from '../remote/words.js'
import {GraduateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {RootHost} from '../remote/root-host.js'

export interface UploadedFile {
  /** The private directory `mktemp -d` made for it; remove it when done. */
  dir: string
  /** The file's absolute path on the host. */
  path: string
}

const TEMP_DIR = /^\/[A-Za-z0-9._/-]+$/

/**
 * Copies `bytes` to a new file in a fresh private directory on the host (`mktemp -d`, so no other user
 * can swap the file before root reads it). The bytes travel base64-encoded on the command's stdin,
 * which carries text.
 */
export async function uploadFile(host: RootHost, bytes: Buffer, fileName: string, options: {timeoutMs: number}): Promise<UploadedFile> {
  const made = await host.shell(shellLine(['mktemp', '-d']), options)
  const dir = made.stdout.trim()
  if (!TEMP_DIR.test(dir)) {
    throw new GraduateError(`${host.label}: \`mktemp -d\` printed ${JSON.stringify(made.stdout.slice(0, 200))}, not the path of a new directory`, {
      exitCode: ExitCode.Preflight,
      code: 'unexpected_output',
      hint: "check the login's shell and TMPDIR on the host: mktemp -d must print one absolute path",
    })
  }
  const path = `${dir}/${fileName}`
  const encoded = (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\n')
  try {
    await host.shell(shellLine(['base64', '-d'], {stdoutTo: path}), {...options, stdin: `${encoded}\n`})
  } catch (error) {
    await removeUploadDir(host, dir, options)
    throw error
  }
  return {dir, path}
}

/** Removes an upload's directory; a failure is left for the host's tmp cleaning rather than reported. */
export async function removeUploadDir(host: RootHost, dir: string, options: {timeoutMs: number}): Promise<void> {
  try {
    await host.shell(shellLine(['rm', '-rf', '--', dir]), options)
  } catch {
    // The directory is private and holds only the plugin tarball.
  }
}
