#!/usr/bin/env python3
"""Writes a `git fast-import` stream for the `backout manifest` benchmark: a monorepo of
SERVICES services x 100 files (100,000 files by default), tagged v1.0; then one commit that
changes 10,000 of them: VERSION and 9 source files in 95% of the services, plus 300 new
migrations (200 with a down script). The v1.1 release directory holds a plan and a manifest
that lists one item, so `check` reports every other derived item as `manifest-drift`.
Usage: gen_derive.py [SERVICES] | git fast-import"""
import sys

services = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = sys.stdout.buffer
when = 1_764_000_000

CONFIG = b'''default_team = "payments"

[[derive]]
path = "services/{id}/"
kind = "service"
version_file = "services/{id}/VERSION"

[[derive]]
path = "db/migrations/{id}.sql"
kind = "migration"
reversible_if = "db/migrations/{id}.down.sql"
'''

PLAN = b'''+++
team = "payments"
release = "v1.1"
status = "draft"
window = "72h"
duration = "45m"
+++

# Backout plan: payments v1.1

## Criteria
Error rate above 2% for 10 minutes after deployment.

## Decision
The incident commander on call decides.

## Responsibilities
The release engineer on call, within 15 minutes of the decision.

## Procedure
1. Roll back `svc-0000` to 1.0.0: `deploy svc-0000 1.0.0`

## Verification
Run the smoke tests: `make smoke`.

## Communication
Post in #releases before and after.

## Contingencies
Fail over to the standby region.

## Testing
Rehearsed on staging.
'''

MANIFEST = b'''team = "payments"
release = "v1.1"

[[items]]
id = "svc-0000"
kind = "service"
version = "1.1.0"
previous = "1.0.0"
'''


def data(text: bytes) -> None:
    out.write(b"data %d\n" % len(text))
    out.write(text)
    out.write(b"\n")


def file(path: bytes, text: bytes) -> None:
    out.write(b"M 100644 inline " + path + b"\n")
    data(text)


def commit(mark: int, message: bytes, parent: int = 0) -> None:
    out.write(b"commit refs/heads/main\nmark :%d\n" % mark)
    out.write(b"committer Bench <bench@example.com> %d +0000\n" % (when + mark))
    data(message)
    if parent:
        out.write(b"from :%d\n" % parent)


commit(1, b"payments v1.0")
file(b"backout.toml", CONFIG)
file(b"README.md", b"# Payments monorepo\n")
for s in range(services):
    base = b"services/svc-%04d/" % s
    file(base + b"VERSION", b"1.0.0\n")
    for m in range(99):
        file(base + b"src/mod_%02d.rs" % m, b"pub fn f%d_%d() -> u32 { %d }\n" % (s, m, m))
out.write(b"reset refs/tags/v1.0\nfrom :1\n\n")

commit(2, b"payments v1.1", parent=1)
changed = services * 95 // 100
for s in range(changed):
    base = b"services/svc-%04d/" % s
    file(base + b"VERSION", b"1.1.0\n")
    for m in range(9):
        file(base + b"src/mod_%02d.rs" % m, b"pub fn f%d_%d() -> u32 { %d + 1 }\n" % (s, m, m))
migrations = services * 3 // 10
for k in range(migrations):
    name = b"db/migrations/%04d_change_%d" % (k, k)
    file(name + b".sql", b"ALTER TABLE t%d ADD COLUMN c int;\n" % k)
    if k % 3 != 2:
        file(name + b".down.sql", b"ALTER TABLE t%d DROP COLUMN c;\n" % k)
file(b"plans/payments/v1.1/plan.md", PLAN)
file(b"plans/payments/v1.1/manifest.toml", MANIFEST)
