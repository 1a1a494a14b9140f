#!/usr/bin/env bash
# Runs every test: installs prerequisites, starts the private PostgreSQL, builds with warnings as errors,
# runs all test projects and ends with one summary line "N passed, N failed, N skipped".
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scripts/prereqs.sh || exit 1
eval "$(scripts/postgres.sh --env)" || exit 1

echo "== build (Release, warnings are errors)"
dotnet build CryptoStreams.sln -c Release -nologo -clp:ErrorsOnly || { echo "0 passed, 1 failed (build)"; exit 1; }

echo "== test"
log=$(mktemp)
# A hung test is killed and reported after 5 minutes instead of holding CI to its limit.
# One test assembly at a time (-m:1): on 2 cores the end-to-end processes starved the connector tests' readers
# running beside them; in sequence the whole run is still well under CI's budget.
dotnet test CryptoStreams.sln -c Release --no-build -nologo -m:1 --blame-hang-timeout 5m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

echo "== package (src/Broker as CryptoStreams.EmbeddedKafka, used by samples/ from a folder feed)"
# Packed from the build above; the cached copy of the same version is dropped so the sample restores this one.
rm -rf artifacts/packages
packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
rm -rf "$packages"/cryptostreams.embeddedkafka "$packages"/cryptostreams.embeddedkafka.xunit
if dotnet pack src/Broker -c Release --no-build -nologo -o artifacts/packages -clp:ErrorsOnly \
  && dotnet pack src/Broker.Xunit -c Release --no-build -nologo -o artifacts/packages -clp:ErrorsOnly; then
  dotnet test samples/EmbeddedKafka.Sample.Tests -c Release -nologo --blame-hang-timeout 5m 2>&1 | tee -a "$log"
  sample=${PIPESTATUS[0]}
else
  echo "Failed!  - Failed:     1, Passed:     0, Skipped:     0, Total:     1 - dotnet pack" | tee -a "$log"
  sample=1
fi
if [ "$status" -eq 0 ]; then status=$sample; fi

# dotnet test prints one "Passed!/Failed! - Failed: x, Passed: y, Skipped: z" line per test assembly; add them up.
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- Failed: ' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
