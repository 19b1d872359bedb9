#!/bin/sh
# A hub and terminals A and B of one agency, as processes: a template an admin
# publishes on A is in force on B after both sync, and B fetches the clip A
# took in from the hub (verified, with a footage.fetched custody event).
# Usage: scripts/agency-demo.sh   (builds into a temporary folder; port 18443)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "$hub" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$repo"
go build -o "$work/lawtrail-hub" ./cmd/lawtrail-hub
go build -o "$work/lawtrailctl" ./cmd/lawtrailctl
cd "$work"
export LAWTRAIL_HUB_PASSPHRASE='hub passphrase 1'
export LAWTRAIL_PASSPHRASE='terminal passphrase' LAWTRAIL_PIN='246810'
agency=某区市场监督管理局
url=https://127.0.0.1:18443
./lawtrail-hub --data hub serve --listen 127.0.0.1:18443 --url "$url" >hub.log 2>&1 &
hub=$!
sleep 2
for t in a b; do
	./lawtrailctl --data $t init --agency "$agency" --officer-id o-001 --officer-name 张三 --credential 35010000001 >/dev/null
	./lawtrailctl --data $t hub join "$(./lawtrail-hub --data hub enroll --agency "$agency" --url "$url")" >/dev/null
done
mkdir -p card/DCIM
head -c 3000000 /dev/urandom >card/DCIM/DSJ1234_350101_20261120101530_0001.MP4
./lawtrailctl --data a ingest --from card --serial DSJ1234 | tail -1
sed 's/"version": *1/"version": 2/; s/"name": *"现场笔录"/"name": "现场笔录（2027 版）"/' \
	"$repo/assets/templates/onsite_record.json" >onsite.json
./lawtrailctl --data a config publish onsite.json --note "2027 版"
./lawtrailctl --data a sync --once >/dev/null
./lawtrailctl --data b sync --once >/dev/null
echo "--- on B:"
./lawtrailctl --data b config show
./lawtrailctl --data b doc templates | grep onsite_record
digest=$(./lawtrailctl --data b footage list --json | sed 's/.*"digest":"\([0-9a-f]*\)".*/\1/' | head -1)
./lawtrailctl --data b footage fetch "$digest"
./lawtrailctl --data b check | tail -1
