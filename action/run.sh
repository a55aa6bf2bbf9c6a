#!/usr/bin/env bash
# Runs `backout <command>` for the action. Exit 1 (findings) is recorded, not raised, so the
# upload and comment steps still run; the action's last step fails on it. Exit 2 (backout
# could not run) fails here.
set -euo pipefail

command="${BACKOUT_COMMAND}"
format="${BACKOUT_FORMAT}"
args=()

case "$command" in
  check | tags) ;;
  review)
    base="${BACKOUT_BASE}"
    if [ -z "$base" ]; then
      if [ -z "${GITHUB_BASE_REF:-}" ]; then
        echo "::error::review needs the base input outside pull requests, such as origin/main"
        exit 2
      fi
      base="origin/${GITHUB_BASE_REF}"
    fi
    args+=(--base "$base")
    ;;
  *)
    echo "::error::the command input must be check, review or tags, not ${command}"
    exit 2
    ;;
esac

case "$format" in
  github | human | json) report="" ;;
  sarif) report="${RUNNER_TEMP}/backout-${command}.sarif" ;;
  markdown) report="${RUNNER_TEMP}/backout-${command}.md" ;;
  gitlab) report="${RUNNER_TEMP}/backout-${command}.codequality.json" ;;
  *)
    echo "::error::the format input must be github, sarif, markdown or gitlab, not ${format}"
    exit 2
    ;;
esac
# Which commands take which format: stop here, with the fix, rather than in backout's usage error.
takes=""
case "$format" in
  sarif) [ "$command" = check ] || takes="check" ;;
  markdown) [ "$command" = review ] || takes="review" ;;
  gitlab) [ "$command" != tags ] || takes="check and review" ;;
esac
if [ -n "$takes" ]; then
  echo "::error::the format input ${format} works with command ${takes}, not ${command}; use github (or json) for ${command}"
  exit 2
fi
args+=(--format "$format")

if [ -n "${BACKOUT_ARGS}" ]; then
  read -r -a extra <<< "${BACKOUT_ARGS}"
  args+=("${extra[@]}")
fi

code=0
if [ -n "$report" ]; then
  backout "$command" "${args[@]}" > "$report" || code=$?
  echo "report=${report}" >> "$GITHUB_OUTPUT"
else
  backout "$command" "${args[@]}" || code=$?
fi
echo "code=${code}" >> "$GITHUB_OUTPUT"

if [ "$code" -ge 2 ]; then
  echo "::error::backout ${command} could not run (exit ${code}); its message is above"
  exit "$code"
fi
