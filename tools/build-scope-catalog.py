#!/usr/bin/env python3
"""Regenerate assets/scope-catalog.tsv, the scope catalog that src/model/scopes.rs embeds.

Usage: tools/build-scope-catalog.py REFERENCE_TSV [OUTPUT]

REFERENCE_TSV is the reference table twilio-permissions.tsv (columns area, permission, method,
endpoint, source; one row per permission x endpoint). Its rows are kept in order without the
`source` column, then the organization scopes below are appended. OUTPUT defaults to
assets/scope-catalog.tsv beside this script's tools/ directory. Standard library only.
"""

import sys
from pathlib import Path

USAGE = "usage: tools/build-scope-catalog.py REFERENCE_TSV [OUTPUT]"
REFERENCE_HEADER = ["area", "permission", "method", "endpoint", "source"]
HEADER = ["area", "permission", "method", "endpoint"]
ACCOUNT_PERMISSIONS = 512

# Twilio's scope table for organization OAuth apps
# (https://www.twilio.com/docs/iam/oauth-apps/org-oauth-apps). offline_access has no endpoint:
# it asks for a refresh token.
ORGANIZATION_SCOPES = [
    ("managed-users/read", "GET", "https://iam.twilio.com/scim/v2/Users/{Sid}"),
    ("managed-users/list", "GET", "https://iam.twilio.com/scim/v2/Users"),
    ("managed-users/create", "POST", "https://iam.twilio.com/scim/v2/Users"),
    ("managed-users/update", "PUT", "https://iam.twilio.com/scim/v2/Users/{Sid}"),
    ("managed-users/delete", "DELETE", "https://iam.twilio.com/scim/v2/Users/{Sid}"),
    ("role-assignments/list", "GET", "https://iam.twilio.com/v2/Organizations/RoleAssignments"),
    ("role-assignments/create", "POST", "https://iam.twilio.com/v2/Organizations/RoleAssignments"),
    (
        "role-assignments/delete",
        "DELETE",
        "https://iam.twilio.com/v2/Organizations/RoleAssignments/{Sid}",
    ),
    ("roles/list", "GET", "https://iam.twilio.com/v2/Organizations/Roles"),
    ("offline_access", "", ""),
]


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(USAGE)
    reference = Path(argv[1])
    repository = Path(__file__).resolve().parent.parent
    output = Path(argv[2]) if len(argv) == 3 else repository / "assets" / "scope-catalog.tsv"

    lines = reference.read_text(encoding="utf-8").splitlines()
    if lines[0].split("\t") != REFERENCE_HEADER:
        sys.exit(f"{reference}: unexpected header {lines[0]!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(REFERENCE_HEADER):
            sys.exit(f"{reference}:{number}: {len(cells)} cells, expected {len(REFERENCE_HEADER)}")
        rows.append(cells[:4])
    permissions = len({row[1] for row in rows})
    if permissions != ACCOUNT_PERMISSIONS:
        sys.exit(f"{reference}: {permissions} permissions, expected {ACCOUNT_PERMISSIONS}")
    rows += [["Organization", name, method, url] for name, method, url in ORGANIZATION_SCOPES]

    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="\n") as out:
        for row in [HEADER] + rows:
            out.write("\t".join(row) + "\n")
    print(
        f"{output}: {len(rows)} rows, {permissions} account permissions"
        f" + {len(ORGANIZATION_SCOPES)} organization scopes"
    )


if __name__ == "__main__":
    main(sys.argv)
