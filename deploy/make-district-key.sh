#!/usr/bin/env bash
# Makes the district secret that townships use to turn household
# identifiers (ID-card numbers, names of heads of household) into keyed
# hashes before anything is queued or sent (docs/security.md).
#
#   deploy/make-district-key.sh FILE
#
# Writes 32 random bytes from the kernel as 64 hex digits and a newline to
# FILE with mode 600, and refuses to overwrite an existing FILE: a new key
# makes every household look new, so a district makes it once and hands
# the same file to every township (resettle --district-key FILE, or
# RESETTLE_DISTRICT_KEY).  The centre's server never needs it.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: deploy/make-district-key.sh FILE" >&2
  exit 2
fi
file=$1
if [ -e "$file" ]; then
  echo "make-district-key: $file exists; not overwriting a district key" >&2
  exit 1
fi
umask 077
key=$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
if [ ${#key} -ne 64 ]; then
  echo "make-district-key: could not read 32 random bytes" >&2
  exit 1
fi
printf '%s\n' "$key" >"$file"
chmod 600 "$file"
echo "make-district-key: wrote $file (keep it secret; give the same file to every township)"
