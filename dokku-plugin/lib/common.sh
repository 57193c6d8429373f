# shellcheck shell=bash
# The globals set here are read by the scripts that source this file.
# shellcheck disable=SC2034
# Shared functions of the graduate gate plugin. Sourced by every script; never sources Dokku's own
# helpers, so the plugin behaves the same on every Dokku version and inside the simulator.

GRADUATE_VERSION="0.4.1"
GRADUATE_PROTOCOL=4
GRADUATE_DATA="${DOKKU_LIB_ROOT:-/var/lib/dokku}/data/graduate"
GRADUATE_ENVIRONMENTS="$GRADUATE_DATA/_environments"
# The builds plugin's sources that build a new release; anything else reaching check-deploy
# (ps:restart, config-redeploy, ps:scale with no source at all) only redeploys an existing image.
GRADUATE_BUILD_SOURCES=" git-hook git:from-image git:sync git:load-image git:from-archive ps:rebuild "
GRADUATE_MAX_SECONDS=86400
GRADUATE_MUTEX_WAIT_SECONDS=60
# Where graduate:await-switch processes wait; every arrival at the switch wakes them all.
SWITCH_AWAITERS_DIR="$GRADUATE_DATA/_switch-awaiters"

# ---- output (Dokku's prefixes). Writes never fail the caller: after `builds:cancel` the build
# log's tee is gone, and the gate must still restore the app before it exits.

log_info1() { { printf -- '-----> %s\n' "$*"; } 2>/dev/null || true; }
log_info2() { { printf '=====> %s\n' "$*"; } 2>/dev/null || true; }
log_verbose() { { printf '       %s\n' "$*"; } 2>/dev/null || true; }
log_warn() { { printf ' !     %s\n' "$*" >&3; } 3>&2 2>/dev/null || true; }
log_fail() {
  log_warn "$@"
  exit 1
}

# ---- validation (PROTOCOL.md: anything else is refused before touching state)

is_valid_app() { [[ $1 =~ ^[a-z0-9][a-z0-9._-]*$ ]]; }
is_valid_id() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]]; }
is_valid_env() { [[ $1 =~ ^[a-z][a-z0-9-]{0,62}$ ]]; }
# Revisions are git shas or image references (registry:port/repo@sha256:…).
is_valid_rev() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,255}$ ]]; }
is_valid_seconds() { [[ $1 =~ ^[1-9][0-9]{0,5}$ ]] && (($1 <= GRADUATE_MAX_SECONDS)); }

require_app() {
  is_valid_app "$1" || log_fail "graduate: invalid app name '$1': Dokku app names are lowercase letters, digits, '.', '-' and '_', starting with a letter or digit"
}
require_id() {
  is_valid_id "$1" || log_fail "graduate: invalid graduation id '$1': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
}
require_env() {
  is_valid_env "$1" || log_fail "graduate: invalid environment name '$1': use 1-63 lowercase letters, digits or '-', starting with a letter"
}
# Docker image references: [registry[:port]/]repository[:tag][@sha256:hex].
is_valid_image() { [[ $1 =~ ^[a-z0-9][a-z0-9._/:-]{0,254}(@sha256:[0-9a-f]{64})?$ || $1 =~ ^[a-z0-9][a-z0-9._/-]{0,254}:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?$ ]]; }
require_image() {
  is_valid_image "$1" || log_fail "graduate: invalid image reference '$1': expected [registry/]repository[:tag][@sha256:<digest>]"
}
require_seconds() {
  is_valid_seconds "$2" || log_fail "graduate: invalid $1 '$2': give a whole number of seconds from 1 to $GRADUATE_MAX_SECONDS"
}

# Reads `--format json|text` out of the arguments; the rest are left in FORMAT_ARGS.
parse_format_flag() {
  OUTPUT_FORMAT=text
  FORMAT_ARGS=()
  while (($# > 0)); do
    if [[ $1 == --format ]]; then
      (($# >= 2)) || log_fail "graduate: --format needs a value: json or text"
      [[ $2 == json || $2 == text ]] || log_fail "graduate: unknown format '$2': use --format json or --format text"
      OUTPUT_FORMAT=$2
      shift 2
    else
      FORMAT_ARGS+=("$1")
      shift
    fi
  done
}

# ---- Dokku's config. config_get and config_keys, the helpers Dokku's plugins/config/functions offers
# plugins, run the config plugin's own binary, config_sub (plugins/config/src/config_sub): the same
# answer as `dokku config:get|keys`, the same Go code behind it, without Dokku's entry script (bash,
# its argument parsing, plugn's user-auth trigger) around every call, which is most of what one costs
# on a host. This calls the binary as those helpers do rather than sourcing them (see above), and asks
# the `dokku` command where a Dokku has no config_sub.

# dokku_config <get|keys> <args>...: as `dokku config:<get|keys> <args>...`.
dokku_config() {
  local sub=$1 config_sub="${PLUGIN_AVAILABLE_PATH:-${DOKKU_LIB_ROOT:-/var/lib/dokku}/plugins/available}/config/config_sub"
  shift
  if [[ -x $config_sub ]]; then
    "$config_sub" "$sub" "$@"
  else
    dokku "config:$sub" "$@"
  fi
}

# ---- key=value state files. Values never contain newlines: every value is validated or written
# by the plugin itself, and Dokku's SSH parsing cannot pass a newline in an argument.

# kv_load <file> <assoc-array-name>: empties the array, then fills it; returns 1 if the file is absent.
kv_load() {
  local -n kv_target=$2
  kv_target=()
  local line
  [[ -f $1 ]] || return 1
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == *=* ]]; then kv_target[${line%%=*}]=${line#*=}; fi
  done <"$1" 2>/dev/null || return 1
}

# Every writer returns non-zero when the write fails (no file can be made, a full disk, mv): the verbs
# call them inside `||` lists and `if`, where bash ignores `set -e`, so a failure must be returned, not
# assumed.

# temp_create <dir>: makes a new empty file in <dir> and sets TEMP_FILE to its path; 2 when none can be
# made. What `mktemp` does — an exclusive create (noclobber opens with O_EXCL) under a name nobody else
# has, tried again if taken — without a process: the gate writes state several times per app while a
# graduation switches, and each `$(mktemp …)` was a fork and an exec.
temp_create() {
  local attempt fd
  for attempt in 1 2 3 4 5 6 7 8; do
    TEMP_FILE="$1/.tmp.$BASHPID.$RANDOM$RANDOM"
    if { set -C; exec {fd}>"$TEMP_FILE"; } 2>/dev/null; then
      set +C
      exec {fd}>&-
      return 0
    fi
    set +C
    # A name that was free and still could not be created: the directory takes no file.
    [[ -e $TEMP_FILE ]] || return 2
  done
  return 2
}

# kv_temp <dir> key=value...: writes a temp file beside the state it will become and sets KV_TEMP to
# its path (a variable rather than output: a `$(kv_temp …)` would fork a subshell on every state write).
kv_temp() {
  local dir=$1
  shift
  temp_create "$dir" || return 2
  KV_TEMP=$TEMP_FILE
  if ! printf '%s\n' "$@" >"$KV_TEMP"; then
    rm -f "$KV_TEMP"
    return 2
  fi
}

# kv_write <file> key=value...: atomic replace (temp file in the same directory, then mv); 2 on failure.
kv_write() {
  local file=$1
  shift
  kv_temp "${file%/*}" "$@" || return 2
  mv -f "$KV_TEMP" "$file" || {
    rm -f "$KV_TEMP"
    return 2
  }
}

# kv_claim <file> key=value...: atomic create-if-absent; 1 when the file already exists, 2 when it
# could not be written.
kv_claim() {
  local file=$1 claimed=0
  shift
  kv_temp "${file%/*}" "$@" || return 2
  if ! ln "$KV_TEMP" "$file" 2>/dev/null; then
    if [[ -e $file ]]; then claimed=1; else claimed=2; fi
  fi
  rm -f "$KV_TEMP"
  return "$claimed"
}

# ---- mutual exclusion. Every read-modify-write of one app's (or environment's) state runs under an
# flock on a file of our own, so a verb and concurrent check-deploy calls see each other's changes
# whole. It is never held while waiting for a decision.

mutex_acquire() {
  exec {MUTEX_FD}>>"$1"
  if ! flock -w "$GRADUATE_MUTEX_WAIT_SECONDS" "$MUTEX_FD"; then
    exec {MUTEX_FD}>&-
    log_fail "graduate: another graduate command has held ${1%/*} for ${GRADUATE_MUTEX_WAIT_SECONDS}s; try again, and if it persists look for a stuck 'graduate:' process on this host"
  fi
}
mutex_release() {
  exec {MUTEX_FD}>&-
}

# ---- per-app state (PROTOCOL.md "Layout on the host")

app_state_paths() {
  APP_DIR="$GRADUATE_DATA/$1"
  ARMED_FILE="$APP_DIR/armed"
  HELD_FILE="$APP_DIR/held"
  DECISION_FILE="$APP_DIR/decision"
  RESTORED_FILE="$APP_DIR/restored"
  BRANCHES_FILE="$APP_DIR/branches"
  CONTAINERS_DIR="$APP_DIR/containers"
  WAITERS_DIR="$APP_DIR/waiters"
  SWITCH_FILE="$APP_DIR/switch"
  SWITCH_WAITERS_DIR="$APP_DIR/switch-waiters"
}

ensure_app_dirs() {
  # Present from the app's first arming on: no mkdir process on every later one.
  [[ -d $CONTAINERS_DIR && -d $WAITERS_DIR && -d $SWITCH_WAITERS_DIR ]] ||
    mkdir -p "$CONTAINERS_DIR" "$WAITERS_DIR" "$SWITCH_WAITERS_DIR"
}

declare -gA ARMED=() HELD=() DECISION=() RESTORED=() SWITCH=()

# Loads ARMED, HELD, DECISION, RESTORED and SWITCH for the app set by app_state_paths.
load_app_state() {
  kv_load "$ARMED_FILE" ARMED || true
  kv_load "$HELD_FILE" HELD || true
  kv_load "$DECISION_FILE" DECISION || true
  kv_load "$RESTORED_FILE" RESTORED || true
  kv_load "$SWITCH_FILE" SWITCH || true
}

# Sets NOW_MS to epoch milliseconds (the switch is reported at the resolution of its skew). No
# command substitution: on the switch's path every fork is latency between the hosts.
set_now_ms() {
  local micros=${EPOCHREALTIME/[.,]/}
  NOW_MS=$((10#$micros / 1000))
}

# wait_slice <deadline_ms>: sets WAIT_SLICE to how long a `read -t` may wait now, in seconds with three
# decimals: at most 1 s (a deploy may end without waking anyone), never past the deadline. Deadlines are
# kept in milliseconds because whole seconds (EPOCHSECONDS) would end a 1 s wait after anything from
# 0 to 1 s.
wait_slice() {
  set_now_ms
  local left=$(($1 - NOW_MS))
  ((left <= 1000)) || left=1000
  ((left >= 1)) || left=1
  printf -v WAIT_SLICE '%d.%03d' $((left / 1000)) $((left % 1000))
}

# The mark graduate:switch leaves for graduation $2 on the app of directory $1: an empty file whose
# name says everything, so making it and testing it take no process at all.
switch_go_mark() { SWITCH_GO_MARK="$1/switch-go-$2"; }

# The deploy the graduation released, as far as this gate saw it at check-deploy.
is_released_build() {
  is_armed && [[ ${DECISION[decision]:-} == release && ${DECISION[id]:-} == "${ARMED[id]}" &&
    ${HELD[id]:-} == "${ARMED[id]}" && -n ${HELD[build]:-} && ${HELD[build]} == "$1" ]]
}

is_armed() { [[ -n ${ARMED[id]:-} ]]; }
lease_expired() { ((EPOCHSECONDS >= ${ARMED[expires_at]:-0})); }

# kill -0 alone cannot tell a dead process from another user's live one (EPERM) or from a zombie
# nobody has reaped yet; /proc/<pid>/stat can (its state follows the parenthesised command name).
process_alive() {
  local stat
  if { read -r stat <"/proc/$1/stat"; } 2>/dev/null; then
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
    return
  fi
  kill -0 "$1" 2>/dev/null
}

# Sets LIVE_WAITERS to the number of check-deploy processes waiting on this app. With `prune`,
# FIFOs left by killed waiters are removed (only call that under the app's mutex).
count_live_waiters() {
  local fifo pid
  LIVE_WAITERS=0
  for fifo in "$WAITERS_DIR"/*; do
    [[ -p $fifo ]] || continue
    pid=${fifo##*/}
    if [[ $pid =~ ^[0-9]+$ ]] && process_alive "$pid"; then
      LIVE_WAITERS=$((LIVE_WAITERS + 1))
    elif [[ ${1:-} == prune ]]; then
      rm -f "$fifo"
    fi
  done
}

# "its lease ends at <t> (in <n>s)" or "its lease ended at <t>", for messages.
describe_lease() {
  if lease_expired; then
    printf 'its lease ended at %s' "${ARMED[expires_at]}"
  else
    printf 'its lease ends at %s (in %ss)' "${ARMED[expires_at]}" "$((ARMED[expires_at] - EPOCHSECONDS))"
  fi
}

# The arming still claims the app: its lease runs, or a gate is still waiting on it.
arming_is_live() {
  count_live_waiters
  ! lease_expired || ((LIVE_WAITERS > 0))
}

# Wakes every waiting check-deploy of the app. Opened read-write so a FIFO whose reader died can
# never block the writer.
wake_waiters() {
  local fifo
  for fifo in "$WAITERS_DIR"/*; do
    [[ -p $fifo ]] || continue
    { printf 'wake\n' 1<>"$fifo"; } 2>/dev/null || true
  done
}

# Wakes every process waiting at this app's nginx switch, and every graduate:await-switch on the host.
wake_switch_waiters() {
  local fifo
  for fifo in "$SWITCH_WAITERS_DIR"/* "$SWITCH_AWAITERS_DIR"/*; do
    [[ -p $fifo ]] || continue
    { printf 'wake\n' 1<>"$fifo"; } 2>/dev/null || true
  done
}

# Dokku holds an flock on this file for the whole of a deploy (acquire_app_deploy_lock). Probe it
# without ever creating it: success of `flock -n` on our own descriptor means nobody holds it.
deploy_in_progress() {
  local lock_file="${DOKKU_LIB_ROOT:-/var/lib/dokku}/data/apps/$1/.deploy.lock" probe_fd
  [[ -f $lock_file ]] || return 1
  # The file may vanish between the test and the open: a deploy just ended.
  { exec {probe_fd}<"$lock_file"; } 2>/dev/null || return 1
  if flock -n "$probe_fd"; then
    flock -u "$probe_fd"
    exec {probe_fd}<&-
    return 1
  fi
  exec {probe_fd}<&-
  return 0
}

# parse_id_and_apps <verb> <id> <app>...: validates every argument before any state is touched;
# sets VERB_ID and VERB_APPS.
parse_id_and_apps() {
  local verb=$1 app
  shift
  (($# >= 2)) || log_fail "graduate: usage: graduate:$verb <graduation-id> <app>..."
  require_id "$1"
  VERB_ID=$1
  shift
  for app in "$@"; do require_app "$app"; done
  VERB_APPS=("$@")
}

# ---- decisions

# claim_decision <decision> <reason>: returns 1 if a decision already exists (it stands), 2 if it could
# not be written.
claim_decision() {
  kv_claim "$DECISION_FILE" "id=${ARMED[id]}" "decision=$1" "decided_at=$EPOCHSECONDS" "reason=$2"
}

is_abort_like() { [[ $1 == abort || $1 == expired || $1 == orphaned ]]; }

# The environment a graduation id is working on, from the environment locks on this host; used to
# name the exact `graduate abort <env>` command in messages.
abort_command_for() {
  local lock_file env
  local -A lock=()
  for lock_file in "$GRADUATE_ENVIRONMENTS"/*/lock; do
    kv_load "$lock_file" lock || continue
    if [[ ${lock[id]:-} == "$1" ]]; then
      env=${lock[env]}
      break
    fi
  done
  printf "graduate abort %s" "${env:-<env>}"
}

# ---- restoring an app (PROTOCOL.md "Restoring an app")

# restore_app <app> <build|->: re-tags dokku/<app>:latest to the image of the running web.1 and
# puts the revision variable back. The caller holds the app's mutex and has loaded the state.
# A gate passes its build id and restores unless that build was already restored; a verb passes
# `-` and restores unless anything was. Sets RESTORE_SUMMARY; returns 1 (and writes no marker) when
# a step failed, so a later abort or disarm tries again.
restore_app() {
  local app=$1 build=$2
  # A build is restored once; a restore outside a build (abort with nothing held, disarm) always runs
  # again, since a build may have moved latest or the revision variable since the last one.
  if [[ -n ${RESTORED[at]:-} && $build != - && ${RESTORED[build]:-} == "$build" ]]; then
    RESTORE_SUMMARY=${RESTORED[summary]:-restored}
    return 0
  fi
  local rev_var=${ARMED[rev_var]:-GIT_REV} container_file="${DOKKU_ROOT:-/home/dokku}/$app/CONTAINER.web.1"
  local cid="" image="" image_note="" current="" current_set=0 failed=0
  if [[ -f $container_file ]]; then read -r cid <"$container_file" || true; fi
  if [[ $cid =~ ^[0-9a-f]{12,64}$ ]]; then
    if image=$(docker container inspect --format '{{.Image}}' "$cid" 2>/dev/null </dev/null) && [[ -n $image ]] &&
      docker image tag "$image" "dokku/$app:latest" >/dev/null 2>&1 </dev/null; then
      image_note="dokku/$app:latest and "
    else
      log_warn "graduate: could not point dokku/$app:latest back at the image of the running container ${cid:0:12}; run 'docker image tag <its image> dokku/$app:latest' as dokku before the next ps:restart"
      failed=1
    fi
  fi

  if current=$(dokku_config get "$app" "$rev_var" 2>/dev/null </dev/null); then current_set=1; fi
  if [[ ${ARMED[prev_rev_set]:-0} == 1 ]]; then
    if [[ $current_set == 0 || $current != "${ARMED[prev_rev]}" ]] &&
      ! dokku config:set --no-restart "$app" "$rev_var=${ARMED[prev_rev]}" >/dev/null 2>&1 </dev/null; then
      log_warn "graduate: could not set $rev_var of $app back to ${ARMED[prev_rev]}; run 'dokku config:set --no-restart $app $rev_var=${ARMED[prev_rev]}'"
      failed=1
    fi
  elif [[ $current_set == 1 ]] && ! dokku config:unset --no-restart "$app" "$rev_var" >/dev/null 2>&1 </dev/null; then
    log_warn "graduate: could not unset $rev_var of $app (it had no value before); run 'dokku config:unset --no-restart $app $rev_var'"
    failed=1
  fi
  ((failed == 0)) || return 1

  RESTORE_SUMMARY="restored $image_note$rev_var"
  [[ -n $image_note ]] || RESTORE_SUMMARY+=" (no running web.1 container to take dokku/$app:latest from; it stays as the build left it)"
  kv_write "$RESTORED_FILE" "build=$build" "at=$EPOCHSECONDS" "summary=$RESTORE_SUMMARY"
  RESTORED=([build]="$build" [at]="$EPOCHSECONDS" [summary]="$RESTORE_SUMMARY")
}

# ---- the app's branches (PROTOCOL.md "Restoring an app", step 3)
# A push that fails leaves its branch alone (the deploy runs in git's pre-receive hook), but
# git:from-image commits before it builds and, when the deploy fails, can only step the deploy branch
# back one commit: a first Dockerfile commit (a root commit, when the deploy branch is not the
# repository's HEAD branch) stays, and the clone's other branches are mirrored in either way, so the
# next git:from-image of the same image finds "No changes". Arming records the branches; once an
# aborted deploy has ended they are put back.

app_repository() { printf '%s/%s' "${DOKKU_ROOT:-/home/dokku}" "$1"; }

# An app that was never pushed to may have no repository yet: it has no branches.
list_branches() {
  local repository
  repository=$(app_repository "$1")
  [[ -f $repository/HEAD ]] || return 0
  git --git-dir="$repository" for-each-ref --format='%(objectname) %(refname)' refs/heads/ 2>/dev/null </dev/null
}

record_branches() {
  local tmp
  temp_create "$APP_DIR" || return 1
  tmp=$TEMP_FILE
  if ! list_branches "$1" >"$tmp"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$BRANCHES_FILE"
}

# restore_branches <app>: only once the app's deploy has ended. Returns 1 when a branch could not
# be put back; BRANCHES_SUMMARY says what moved.
restore_branches() {
  local app=$1 repository sha ref moved=() failed=0
  BRANCHES_SUMMARY=""
  [[ -f $BRANCHES_FILE ]] || return 0
  repository=$(app_repository "$app")
  [[ -f $repository/HEAD ]] || return 0
  local -A recorded=()
  while read -r sha ref; do [[ -n $ref ]] && recorded[$ref]=$sha; done <"$BRANCHES_FILE"
  while read -r sha ref; do
    [[ -n $ref && -z ${recorded[$ref]:-} ]] || continue
    if git --git-dir="$repository" update-ref -d "$ref" "$sha" </dev/null; then moved+=("removed ${ref#refs/heads/}"); else failed=1; fi
  done < <(list_branches "$app")
  for ref in "${!recorded[@]}"; do
    [[ $(git --git-dir="$repository" rev-parse -q --verify "$ref" 2>/dev/null </dev/null) != "${recorded[$ref]}" ]] || continue
    if git --git-dir="$repository" update-ref "$ref" "${recorded[$ref]}" </dev/null; then moved+=("${ref#refs/heads/} back to ${recorded[$ref]:0:7}"); else failed=1; fi
  done
  if ((${#moved[@]} > 0)); then BRANCHES_SUMMARY="branches: ${moved[*]}"; fi
  if ((failed)); then
    log_warn "graduate: could not put every branch of $app back as it was before graduation ${ARMED[id]:-}; compare 'git for-each-ref refs/heads/' in $repository with $BRANCHES_FILE"
    return 1
  fi
}

# ---- the aborted deploy's containers (PROTOCOL.md "Removing the aborted deploy's containers")
# Dokku stops a container that failed check-deploy but never removes it: it stays Exited (143) for
# good, because its retire-registry entry has the app and container fields swapped and `ps:retire`
# never finds it (dokku-observed.md §3). The gate registered every container of the build it held, so
# once that deploy has ended it removes them itself.

# The container ids the app's CONTAINER.* files name: the release that serves, never to be removed.
serving_containers() {
  local file cid
  SERVING=()
  for file in "${DOKKU_ROOT:-/home/dokku}/$1"/CONTAINER.*; do
    [[ -f $file ]] || continue
    cid=""
    read -r cid <"$file" || true
    [[ -z $cid ]] || SERVING+=("$cid")
  done
}

# Dokku writes full ids everywhere, but a short id naming the same container must protect it too.
is_serving() {
  local cid
  for cid in "${SERVING[@]}"; do
    [[ $cid == "$1"* || $1 == "$cid"* ]] && return 0
  done
  return 1
}

# remove_aborted_containers <app>: removes the stopped containers of the held build that no
# CONTAINER.* file names. Only once that deploy has ended (no gate waiting, Dokku's deploy lock free):
# Dokku stops them after the gate fails the deploy. The caller holds the mutex and has loaded the
# state. A container still running is left alone and reported — the deploy ended without stopping
# it (an orphaned deploy after `builds:cancel`, dokku-observed.md §4), so it is not ours to kill.
# Containers already gone count as removed: the watcher and disarm both call this. Returns 1 when
# docker failed on one.
remove_aborted_containers() {
  local app=$1 file cid result failed=0
  local -A container=()
  [[ -n ${HELD[build]:-} ]] || return 0
  serving_containers "$app"
  for file in "$CONTAINERS_DIR"/*; do
    kv_load "$file" container || continue
    cid=${container[cid]:-}
    [[ ${container[build]:-} == "${HELD[build]}" && $cid =~ ^[0-9a-f]{12,64}$ ]] || continue
    is_serving "$cid" && continue
    if ! result=$(docker container inspect --format '{{.State.Status}}' "$cid" 2>&1 </dev/null); then
      [[ $result == *"No such container"* ]] && continue
      log_warn "graduate: could not look at container ${cid:0:12} ($app ${container[proc]}.${container[index]} of the aborted build ${HELD[build]}): $result"
      failed=1
      continue
    fi
    case $result in
      exited | created | dead) ;;
      *)
        log_warn "graduate: container ${cid:0:12} ($app ${container[proc]}.${container[index]} of the aborted build ${HELD[build]}) is $result although its deploy has ended; it serves no traffic through nginx, but the gate does not stop containers: remove it with 'docker container rm -f ${cid:0:12}' once nothing uses it"
        continue
        ;;
    esac
    if ! result=$(docker container rm "$cid" 2>&1 </dev/null) && [[ $result != *"No such container"* ]]; then
      log_warn "graduate: could not remove container ${cid:0:12} ($app ${container[proc]}.${container[index]} of the aborted build ${HELD[build]}): $result"
      failed=1
    fi
  done
  return "$failed"
}

# Removes everything an arming left, keeping the app directory and its mutex file. Caller holds
# the mutex; `armed` goes first so a concurrent reader never sees a half-removed arming as armed.
clear_app_state() {
  rm -f "$ARMED_FILE" "$HELD_FILE" "$DECISION_FILE" "$RESTORED_FILE" "$BRANCHES_FILE" "$SWITCH_FILE" "$APP_DIR"/switch-go-* "$CONTAINERS_DIR"/*
  count_live_waiters prune
  # FIFOs left at the switch by killed processes; a live one's process finds the arming gone and exits.
  # Usually there are none, and an unmatched glob would cost an rm process for nothing.
  local leftover=("$SWITCH_WAITERS_DIR"/*)
  if ((${#leftover[@]})) && [[ -e ${leftover[0]} || -L ${leftover[0]} ]]; then rm -f "${leftover[@]}"; fi
}

# ---- environment state

env_state_paths() {
  ENV_DIR="$GRADUATE_ENVIRONMENTS/$1"
  LOCK_FILE="$ENV_DIR/lock"
  RECORDS_DIR="$ENV_DIR/records"
}

# ---- JSON written without jq, for the verbs whose output is a few known fields: a jq start (about
# 20 ms with jq 1.6) costs more than the rest of such a verb.

# json_string <text>: sets JSON_STRING to <text> as a JSON string — backslash, quote and control
# characters escaped, everything else (UTF-8 included) as it is.
json_string() {
  local text=$1 escaped="" char index
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  if [[ $text == *[[:cntrl:]]* ]]; then
    for ((index = 0; index < ${#text}; index++)); do
      char=${text:index:1}
      case $char in
        $'\n') escaped+='\n' ;;
        $'\t') escaped+='\t' ;;
        [[:cntrl:]]) printf -v char '\\u%04x' "'$char" && escaped+=$char ;;
        *) escaped+=$char ;;
      esac
    done
    text=$escaped
  fi
  JSON_STRING="\"$text\""
}

# json_number <text>: sets JSON_NUMBER to <text> when it is a JSON integer, else to null (a damaged
# state file then shows as a missing value rather than as output that is not JSON).
json_number() {
  if [[ $1 =~ ^-?(0|[1-9][0-9]*)$ ]]; then JSON_NUMBER=$1; else JSON_NUMBER=null; fi
}

# lock_json <assoc name>: sets LOCK_JSON to the lock object of PROTOCOL.md, or null for no lock.
lock_json() {
  local -n lock_source=$1
  LOCK_JSON=null
  [[ -n ${lock_source[id]:-} ]] || return 0
  local field
  json_string "${lock_source[env]:-}"
  LOCK_JSON="{\"env\":$JSON_STRING"
  json_string "${lock_source[id]}"
  LOCK_JSON+=",\"id\":$JSON_STRING"
  json_string "${lock_source[owner]:-}"
  LOCK_JSON+=",\"owner\":$JSON_STRING"
  for field in acquired_at expires_at ttl; do
    json_number "${lock_source[$field]:-}"
    LOCK_JSON+=",\"$field\":$JSON_NUMBER"
  done
  LOCK_JSON+="}"
}
