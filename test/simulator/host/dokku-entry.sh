#!/usr/bin/env bash
# The simulated host's `dokku` command. Provisioning copies this template to <host>/bin/dokku with the
# @…@ placeholders filled in. It follows the structure of Dokku 0.38's own `dokku` script: the same
# environment, global-flag parsing, root checks, SSH_ORIGINAL_COMMAND re-parsing (through the real GNU
# xargs and /bin/echo, so quoting quirks are Dokku's, not an imitation), dokku_auth exports, and
# dispatch order (plugin subcommands, then every plugin's `commands`). Core commands that real Dokku
# implements in its core plugins are answered by the simulator's core server (core/server.ts, inside the
# simulator process) through the cheap client (client/sim-client.c) instead.
set -eo pipefail
shopt -s nullglob

# When the SSH client goes away the session gets a hangup, yet Dokku's own processes outlive it — on a
# real host the `dokku git-receive-pack` chain and the deploy carried on (dokku-observed.md §4); only git
# receive-pack and the pre-receive hook exited. So Dokku's side ignores the hangup here.
trap '' HUP

HOST_DIR=@HOST_DIR@
# The client command (the C binary, or node + the Node client) and the core server's socket name.
SIM_CLIENT=(@CLIENT@)
SIM_SOCKET=@SOCKET@

export DOCKER_BIN=docker
export DOKKU_ROOT="$HOST_DIR/home/dokku"
[[ $DOKKU_TRACE ]] && set -x
export DOKKU_HOST_ROOT=$DOKKU_ROOT
export DOKKU_DISTRO=debian
export DOKKU_IMAGE=gliderlabs/herokuish:latest-24
export DOKKU_CNB_BUILDER=heroku/builder:24
export DOKKU_LIB_ROOT="$HOST_DIR/var/lib/dokku"
export PLUGIN_PATH="$DOKKU_LIB_ROOT/plugins"
export PLUGIN_AVAILABLE_PATH="$PLUGIN_PATH/available"
export PLUGIN_ENABLED_PATH="$PLUGIN_PATH/enabled"
export PLUGIN_CORE_PATH="$DOKKU_LIB_ROOT/core-plugins"
export PLUGIN_CORE_AVAILABLE_PATH="$PLUGIN_CORE_PATH/available"
export PLUGIN_CORE_ENABLED_PATH="$PLUGIN_CORE_PATH/enabled"
# On a real host these name the `dokku` account (Dokku: ${DOKKU_SYSTEM_USER:="dokku"}); here the
# simulator's own account plays it, its names filled in at provisioning (`id -un`, `id -gn`).
export DOKKU_SYSTEM_GROUP=${DOKKU_SYSTEM_GROUP:=@SYSTEM_GROUP@}
export DOKKU_SYSTEM_USER=${DOKKU_SYSTEM_USER:=@SYSTEM_USER@}
export DOKKU_API_VERSION=1
export DOKKU_NOT_IMPLEMENTED_EXIT=10
export DOKKU_VALID_EXIT=0
export DOKKU_PID="${DOKKU_PID:=$$}"
export DOKKU_LOGS_DIR="$HOST_DIR/var/log/dokku"
export DOKKU_LOGS_HOST_DIR=$DOKKU_LOGS_DIR
export DOKKU_EVENTS_LOGFILE="$DOKKU_LOGS_DIR/events.log"
export DOKKU_CONTAINER_LABEL=dokku
export DOKKU_GLOBAL_BUILD_ARGS="--label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku --label=$DOKKU_CONTAINER_LABEL"
export DOKKU_GLOBAL_RUN_ARGS="--label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku --label=$DOKKU_CONTAINER_LABEL"
case ":$PATH:" in
  *":$HOST_DIR/bin:"*) ;;
  *) export PATH="$HOST_DIR/bin:$PATH" ;;
esac

# The SSH login name (dokku or root) as the simulator's sshd saw it. Real Dokku reads `id -un`;
# every simulated account runs as the same Unix user, so it arrives here instead. Not exported
# further, so plugins see only what Dokku would give them.
SIM_LOGIN=${SIM_SSH_LOGIN:-dokku}
export -n SIM_SSH_LOGIN

log_fail() {
  echo " !     $*" 1>&2
  exit 1
}

# Dokku's parse_args: global flags are honoured wherever they appear in argv.
parse_args() {
  local next_index=1 skip=false flags="" arg
  local args=("$@")
  for arg in "$@"; do
    if [[ "$skip" == "true" ]]; then
      next_index=$((next_index + 1))
      skip=false
      continue
    fi
    case "$arg" in
      --quiet) export DOKKU_QUIET_OUTPUT=1 ;;
      --trace) export DOKKU_TRACE=1 ;;
      --force) export DOKKU_APPS_FORCE_DELETE=1 ;;
      --app)
        export DOKKU_APP_NAME=${args[$next_index]}
        skip=true
        ;;
    esac
    if [[ "$skip" == "true" ]]; then
      flags="${flags} ${arg}"
    elif [[ "$arg" == "--app" ]]; then
      flags="${flags} ${arg}=${args[$next_index]}"
    elif [[ "$arg" =~ ^--.* ]]; then
      flags="${flags} ${arg}"
    fi
    next_index=$((next_index + 1))
  done
  if [[ -z "$DOKKU_GLOBAL_FLAGS" ]]; then
    flags="${flags#"${flags%%[![:space:]]*}"}"
    export DOKKU_GLOBAL_FLAGS="$flags"
  fi
  return 0
}

# Dokku's global flags, then its root check, for the words it was started with: `--flag`s before the
# command are dropped (`--app` with its value; `--version` stays), exactly as Dokku's loop of shifts does.
# Sets ARGV to what remains.
take_global_flags() {
  ARGV=("$@")
  parse_args "$@"
  if [[ "$1" =~ ^--.* ]]; then
    local skip_arg=false arg
    for arg in "$@"; do
      $skip_arg && skip_arg=false && continue
      if [[ "$arg" == "--version" ]]; then
        continue
      fi
      if [[ "$arg" == "--app" ]]; then
        ((${#ARGV[@]} >= 2)) && ARGV=("${ARGV[@]:2}") && skip_arg=true
      elif [[ "$arg" =~ ^--.* ]]; then
        ((${#ARGV[@]} >= 1)) && ARGV=("${ARGV[@]:1}")
      else
        break
      fi
    done
  fi

  if [[ ${ARGV[0]} =~ ^plugin:.* && ${ARGV[0]} != "plugin:help" && ${ARGV[0]} != "plugin:list" ]] || [[ ${ARGV[0]} == "ssh-keys:add" ]] || [[ ${ARGV[0]} == "ssh-keys:remove" ]]; then
    if [[ "$SIM_LOGIN" != "root" ]]; then
      log_fail "This command must be run as root"
    else
      export SSH_USER=root
    fi
  fi
  return 0
}

take_global_flags "$@"
set -- "${ARGV[@]}"

journal_append() {
  local command="$1" exit_code="$2" started="$3" ended="$4"
  local escaped=${command//\\/\\\\}
  escaped=${escaped//\"/\\\"}
  escaped=${escaped//$'\t'/\\t}
  escaped=${escaped//$'\r'/\\r}
  printf '{"ts":%s,"user":"%s","command":"%s","exitCode":%s,"durationMs":%s}\n' \
    "$((${started/./} / 1000))" "$SIM_LOGIN" "$escaped" "$exit_code" "$(((${ended/./} - ${started/./}) / 1000))" \
    >>"$HOST_DIR/var/log/dokku/sim-journal.ndjson"
}

# Dokku re-parses SSH_ORIGINAL_COMMAND and runs itself again on the words it gets (`$0 …`). Here the
# same process carries on with those words instead: the second `dokku` would inherit exactly this
# environment, stdin and output, DOKKU_PID stays this process's pid either way, and everything below
# runs again for the new words — global flags, the root check, dispatch. The journal line is written
# when this process exits, with its exit code, as the first `dokku` wrote it when its child ended.
if [[ -n "$SSH_ORIGINAL_COMMAND" ]]; then
  export -n SSH_ORIGINAL_COMMAND
  ssh_command=$SSH_ORIGINAL_COMMAND
  started=$EPOCHREALTIME
  trap 'journal_append "$ssh_command" "$?" "$started" "$EPOCHREALTIME"' EXIT
  if [[ $1 =~ git-* ]] || [[ $1 =~ git:* ]]; then
    set -f
    # shellcheck disable=SC2086
    set -- $ssh_command
    set +f
  else
    # Dokku runs `printf '%s' … | xargs -n 1`. Here xargs is the process substitution's own process,
    # and reads a here-string (a pipe bash fills itself) instead of a forked printf: the same bytes
    # plus a newline, which xargs takes for the blank it is — except after a trailing backslash,
    # where it would become part of the last word, so that one case keeps printf's exact bytes.
    if [[ $ssh_command == *\\ ]]; then
      readarray -t ssh_arg_array < <(exec xargs -n 1 < <(printf '%s' "$ssh_command"))
    else
      readarray -t ssh_arg_array < <(exec xargs -n 1 <<<"$ssh_command")
    fi
    set -- "${ssh_arg_array[@]}"
  fi
  [[ $DOKKU_TRACE ]] && set -x
  take_global_flags "$@"
  set -- "${ARGV[@]}"
fi

# dokku_auth: no user-auth plugins exist on the simulated host, so only its exports matter.
export SSH_USER=${SSH_USER:=$SIM_LOGIN}
export SSH_NAME=${NAME:="default"}
export DOKKU_COMMAND="$1"

PLUGIN_NAME="$1"
PLUGIN_CMD=$PLUGIN_NAME
implemented=0
if [[ -n "$PLUGIN_NAME" && -x $PLUGIN_ENABLED_PATH/$PLUGIN_NAME/subcommands/default ]]; then
  "$PLUGIN_ENABLED_PATH/$PLUGIN_NAME/subcommands/default" "$@"
  exit $?
elif [[ -n "$PLUGIN_NAME" && -x $PLUGIN_ENABLED_PATH/$PLUGIN_CMD/subcommands/$PLUGIN_CMD ]]; then
  "$PLUGIN_ENABLED_PATH/$PLUGIN_NAME/subcommands/$PLUGIN_CMD" "$@"
  exit $?
elif [[ "$PLUGIN_NAME" == *:* && -x $PLUGIN_ENABLED_PATH/${PLUGIN_NAME%%:*}/subcommands/${1#*:} ]] && [[ -n "${1#*:}" ]]; then
  "$PLUGIN_ENABLED_PATH/${PLUGIN_NAME%%:*}/subcommands/${1#*:}" "$@"
  exit $?
fi

# Core plugins: answered by the core server, which exits DOKKU_NOT_IMPLEMENTED_EXIT for commands it
# does not know so that community plugins' `commands` get their turn, as in Dokku. The client lives
# exactly as long as the command runs in the server, as the core's own process did.
set +e
SIM_SSH_LOGIN=$SIM_LOGIN "${SIM_CLIENT[@]}" "$SIM_SOCKET" core "$@"
exit_code=$?
set -e
if [[ "$exit_code" -ne "$DOKKU_NOT_IMPLEMENTED_EXIT" ]]; then
  exit "$exit_code"
fi

for script in "$PLUGIN_ENABLED_PATH"/*/commands; do
  set +e
  "$script" "$@"
  exit_code=$?
  set -e
  if [[ "$exit_code" -eq "$DOKKU_NOT_IMPLEMENTED_EXIT" ]]; then
    continue
  fi
  implemented=1
  if [[ "$exit_code" -ne "$DOKKU_VALID_EXIT" ]]; then
    exit $exit_code
  fi
done

if [[ "$implemented" -eq 0 ]]; then
  echo " !     \`$*\` is not a dokku command." 1>&2
  echo " !     See \`dokku help\` for a list of available commands." 1>&2
  exit 1
fi
