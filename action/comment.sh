#!/usr/bin/env bash
# Posts the review (BACKOUT_REPORT, Markdown starting with the marker line) as a comment on
# the pull request, or updates the comment with that marker that BACKOUT_COMMENT_AUTHOR
# posted before. Comments by anyone else are never touched.
set -euo pipefail

marker="<!-- backout:review -->"
pr=$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")
if [ -z "$pr" ]; then
  echo "::notice::not a pull request event; no comment posted"
  exit 0
fi

comments="repos/${GITHUB_REPOSITORY}/issues/${pr}/comments"
existing=$(gh api --paginate "$comments" |
  jq -rs --arg author "$BACKOUT_COMMENT_AUTHOR" --arg marker "$marker" \
    '[.[][] | select(.user.login == $author and (.body | startswith($marker)))] | .[0].id // empty')

# A pull request that changes no plan gets no comment; one that had a comment gets it updated.
if [ -z "$existing" ] && grep -q '^No plan or manifest changed' "$BACKOUT_REPORT"; then
  echo "no plan or manifest changed; no comment posted"
  exit 0
fi

body=$(jq -Rs '{body: .}' "$BACKOUT_REPORT")
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${existing}" --input - <<< "$body" > /dev/null
  echo "updated the review comment ${existing} on pull request #${pr}"
else
  gh api --method POST "$comments" --input - <<< "$body" > /dev/null
  echo "posted the review on pull request #${pr}"
fi
