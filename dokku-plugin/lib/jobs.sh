# shellcheck shell=bash
# The globals set here are read by the scripts that source this file.
# shellcheck disable=SC2034
# Background jobs for the verbs that ask Dokku about several apps at once (graduate:facts, the batch
# form of graduate:arm): each job runs in the background with its stdout, stderr and exit code kept in
# files of one scratch directory, at most GRADUATE_JOBS_MAX at a time, so a host answers for 50 apps
# in the time of a few Dokku commands rather than of 100 — without starting 100 Dokku processes at once.

GRADUATE_JOBS_MAX=${GRADUATE_JOBS_MAX:-8}
JOBS_DIR=""
JOBS_RUNNING=0

# jobs_begin: makes the scratch directory, removed when the verb exits. Returns 1 if it cannot.
jobs_begin() {
  JOBS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/graduate-jobs.XXXXXX") || return 1
  # shellcheck disable=SC2064 # the directory is fixed now; a later change of JOBS_DIR must not matter
  trap "rm -rf '$JOBS_DIR'" EXIT
}

# job_start <name> <command>...: runs the command in the background, stdin from /dev/null.
job_start() {
  local name=$1
  shift
  while ((JOBS_RUNNING >= GRADUATE_JOBS_MAX)); do
    wait -n 2>/dev/null || true
    JOBS_RUNNING=$((JOBS_RUNNING - 1))
  done
  # The command runs in a subshell of its own with errexit on, as the verb itself does: in a `||` list
  # bash would ignore a failing step inside a function and carry on after it.
  {
    set +e
    (
      set -e
      "$@"
    ) >"$JOBS_DIR/$name.out" 2>"$JOBS_DIR/$name.err" </dev/null
    printf '%s\n' "$?" >"$JOBS_DIR/$name.code"
  } &
  JOBS_RUNNING=$((JOBS_RUNNING + 1))
}

# jobs_wait: until every job has ended.
jobs_wait() {
  wait || true
  JOBS_RUNNING=0
}

# job_result <name>: sets JOB_CODE (its exit code; 255 when it left none, its files could not be
# written), JOB_OUT (its stdout) and JOB_LAST (the last non-empty line of its stderr, else of its
# stdout, without Dokku's ' !     ' prefix). No subshell: a verb reads many jobs.
job_result() {
  JOB_CODE="" JOB_OUT="" JOB_LAST=""
  local err="" line stream
  { read -r JOB_CODE <"$JOBS_DIR/$1.code"; } 2>/dev/null || true
  [[ $JOB_CODE =~ ^[0-9]+$ ]] || JOB_CODE=255
  { IFS= read -r -d '' JOB_OUT <"$JOBS_DIR/$1.out"; } 2>/dev/null || true
  { IFS= read -r -d '' err <"$JOBS_DIR/$1.err"; } 2>/dev/null || true
  for stream in "$err" "$JOB_OUT"; do
    while IFS= read -r line; do
      [[ -n ${line//[[:space:]]/} ]] && JOB_LAST=$line
    done <<<"$stream"
    [[ -z $JOB_LAST ]] || break
  done
  JOB_LAST=${JOB_LAST#"${JOB_LAST%%[![:space:]]*}"}
  JOB_LAST=${JOB_LAST#!}
  JOB_LAST=${JOB_LAST#"${JOB_LAST%%[![:space:]]*}"}
  JOB_ERR=$err
}
