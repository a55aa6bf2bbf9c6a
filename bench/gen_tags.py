#!/usr/bin/env python3
"""Writes a `git fast-import` stream for the tags benchmark: N commits on one branch, each
adding plans/app/v1.<k>/plan.md and tagged v1.<k> (every other tag annotated), so one team's
plans share one directory that grows to N entries. With GAP > 0, every GAP-th commit adds no
plan (it edits CHANGELOG instead), so its tag's plan is missing and the plans directory of its
commit is the one of the commit before.
Usage: gen_tags.py N [GAP] | git fast-import"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
gap = int(sys.argv[2]) if len(sys.argv) > 2 else 0
out = sys.stdout.buffer
when = 1_764_000_000


def data(text: bytes) -> None:
    out.write(b"data %d\n" % len(text))
    out.write(text)
    out.write(b"\n")


config = b'default_team = "app"\n'
for k in range(n):
    release = b"v1.%d" % k
    plan = (
        b'+++\nteam = "app"\nrelease = "%s"\nstatus = "approved"\nwindow = "72h"\n'
        b'duration = "45m"\n[tested]\non = 2026-11-20\nresult = "pass"\n+++\n\n'
        b"# Backout plan: app %s\n\n## Procedure\n1. Roll back: `deploy app %d`\n" % (release, release, k)
    )
    out.write(b"commit refs/heads/main\nmark :%d\n" % (k + 1))
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % (when + k))
    data(b"release " + release)
    if k == 0:
        out.write(b"M 100644 inline backout.toml\n")
        data(config)
    if gap and k % gap == gap - 1:
        out.write(b"M 100644 inline CHANGELOG\n")
        data(b"release " + release + b" (no plan)\n")
    else:
        out.write(b"M 100644 inline plans/app/%s/plan.md\n" % release)
        data(plan)
    out.write(b"\n")
    if k % 2:
        out.write(b"tag %s\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\n" % (release, k + 1, when + k))
        data(b"release " + release)
    else:
        out.write(b"reset refs/tags/%s\nfrom :%d\n\n" % (release, k + 1))
