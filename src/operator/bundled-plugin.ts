import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {GraduateError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'

/** The gate plugin that ships in graduate's package (`files` includes dokku-plugin/). */
export interface BundledPlugin {
  /** The plugin's directory in the installed package. */
  dir: string
  /** `[plugin] version` of its plugin.toml, which plugin:list reports once it is installed. */
  version: string
}

/** dokku-plugin/ beside dist/ (or src/ when run from source): two levels up from this module. */
export const BUNDLED_PLUGIN_DIR = fileURLToPath(new URL('../../dokku-plugin/', import.meta.url))

/** The packaged plugin and its version, read now: a newer package brings a newer plugin. */
export function bundledPlugin(dir: string = BUNDLED_PLUGIN_DIR): BundledPlugin {
  const manifest = path.join(dir, 'plugin.toml')
  let text: string
  try {
    text = fs.readFileSync(manifest, 'utf8')
  } catch (error) {
    throw damaged(`cannot read ${manifest}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const version = pluginTomlVersion(text)
  if (version === undefined) throw damaged(`${manifest} has no [plugin] version`)
  return {dir, version}
}

/**
 * `version` in the `[plugin]` table of a plugin.toml. The file is graduate's own and holds two flat
 * tables, so this reads that one key rather than bringing in a TOML parser for it.
 */
export function pluginTomlVersion(text: string): string | undefined {
  let table = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      table = header[1]!.trim()
      continue
    }
    if (table !== 'plugin') continue
    const value = /^version\s*=\s*"([^"]*)"\s*(?:#.*)?$/.exec(line)
    if (value) return value[1]
  }
  return undefined
}

/**
 * The plugin as a gzipped tarball with one top-level directory (plugin:install flattens it), made by
 * the system's tar, which keeps the scripts' executable bits.
 */
export function packPlugin(plugin: BundledPlugin): Promise<Buffer> {
  const dir = path.resolve(plugin.dir)
  return new Promise((resolve, reject) => {
    execFile(
      'tar',
      ['-czf', '-', '-C', path.dirname(dir), path.basename(dir)],
      // macOS tar would otherwise add AppleDouble `._*` files for extended attributes.
      {encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, env: {...process.env, COPYFILE_DISABLE: '1'}},
      (error, stdout, stderr) => {
        if (error) reject(damaged(`cannot pack ${dir} with tar: ${stderr.toString().trim() || error.message}`))
        else resolve(stdout)
      },
    )
  })
}

function damaged(message: string): GraduateError {
  return new GraduateError(`graduate's packaged gate plugin is unusable: ${message}`, {
    exitCode: ExitCode.Usage,
    code: 'bundled_plugin_unusable',
    hint: 'reinstall graduate (npm install -g graduate), and check that `tar` is installed on this machine',
  })
}
