#!/bin/sh
# Fails when shared/proto/gen is not exactly what buf + ts-proto generate from proto/:
# the checked-in code must never drift from the contract.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_modules/.bin/buf lint
node_modules/.bin/buf generate -o "$tmp"
if ! diff -ru shared/proto/gen "$tmp/shared/proto/gen"; then
  echo "proto:check: shared/proto/gen is stale; run npm run proto:gen and commit the result" >&2
  exit 1
fi
echo "proto:check: generated code matches proto/"
