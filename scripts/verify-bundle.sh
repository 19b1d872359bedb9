#!/usr/bin/env bash
# verify-bundle.sh — check a lawtrail case file (案卷) with standard tools only:
# sha256sum, openssl (3.0+), base64 and jq. It runs the procedure of the case
# file's README.txt step by step, so a court or an auditor can read it as
# the procedure and run it as a check. lawtrail itself is not needed.
#
#   scripts/verify-bundle.sh CASE_FOLDER [TERMINAL_KEY.pem [HUB_KEY.pem [TSA_CA.pem]]]
#
# The key files, when given, are the trusted keys obtained outside the case
# file (the hub's register of terminals; the key the district publishes);
# without them the case file's own copies are used, and the script says so.
# TSA_CA.pem is the root certificate of the time-stamping authority, needed
# to check RFC 3161 timestamps (log/timestamps/) if the case file has any.
# Pass "-" for a key to use the case file's copy.
# Exit status 0: every step held. 1: a step failed (the message says which).
set -euo pipefail

die() { echo "FAILED: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ $# -ge 1 ] || { echo "usage: $0 CASE_FOLDER [TERMINAL_KEY.pem [HUB_KEY.pem [TSA_CA.pem]]]" >&2; exit 2; }
terminal_key=${2:--}; hub_key=${3:--}; tsa_ca=${4:-}
for f in "$terminal_key" "$hub_key" "$tsa_ca"; do
  case "$f" in ""|-|/*) ;; *) echo "give key and certificate files as absolute paths: $f" >&2; exit 2 ;; esac
done
case_dir=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$case_dir"

# hex of a file's SHA-256
sha() { sha256sum "$1" | cut -d' ' -f1; }
# verify an Ed25519 signature: verify PEM DATA_FILE SIG_FILE
verify() { openssl pkeyutl -verify -pubin -inkey "$1" -rawin -in "$2" -sigfile "$3" >/dev/null 2>&1; }
# fold JSON_LINE SIZE: walk the line's .inclusion hashes (base64) up from the
# leaf hash in $work/r to the root of a log of SIZE leaves (RFC 9162
# 2.1.3.2; inner nodes SHA-256(0x01 || left || right)) and compare it with
# the root of checkpoint SIZE.
fold() {
  local fn sn p
  fn=$(printf '%s' "$1" | jq -r .log_index)
  sn=$(($2 - 1))
  for p in $(printf '%s' "$1" | jq -r '.inclusion[]'); do
    [ "$sn" -gt 0 ] || { fold_error="proof too long"; return 1; }
    printf '%s' "$p" | base64 -d >"$work/p"
    if [ $((fn & 1)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      { printf '\001'; cat "$work/p" "$work/r"; } | openssl dgst -sha256 -binary >"$work/r2"
      if [ $((fn & 1)) -eq 0 ]; then
        while [ $((fn & 1)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn >> 1)); sn=$((sn >> 1)); done
      fi
    else
      { printf '\001'; cat "$work/r" "$work/p"; } | openssl dgst -sha256 -binary >"$work/r2"
    fi
    mv "$work/r2" "$work/r"
    fn=$((fn >> 1)); sn=$((sn >> 1))
  done
  [ "$sn" -eq 0 ] || { fold_error="proof too short"; return 1; }
  [ "$(base64 -w0 <"$work/r")" = "${root[$2]}" ] || { fold_error="proof does not lead to the checkpoint's root"; return 1; }
}

# Keys ----------------------------------------------------------------------
jq -r .public_key_pem terminal.json >"$work/terminal.pem"
if [ "$terminal_key" != - ]; then
  cmp -s <(openssl pkey -pubin -in "$terminal_key" -outform DER) <(openssl pkey -pubin -in "$work/terminal.pem" -outform DER) ||
    die "terminal.json holds another key than the trusted terminal key $terminal_key"
  ok "terminal.json holds the trusted terminal key"
else
  echo "note: the terminal key was taken from terminal.json; compare it with the hub's register of terminals"
fi

# Step 1: files ---------------------------------------------------------------
sha256sum --quiet -c SHA256SUMS || die "a file does not match SHA256SUMS"
listed=$(cut -c67- SHA256SUMS | sort)
present=$(find . -type f ! -name SHA256SUMS ! -name export.json | sed 's|^\./||' | LC_ALL=C sort)
[ "$(echo "$listed" | LC_ALL=C sort)" = "$present" ] || die "files present and files listed in SHA256SUMS differ"
ok "every file matches SHA256SUMS and no other file is present"

# Step 2: the signed export names SHA256SUMS --------------------------------------
jq -r .body export.json | base64 -d >"$work/export.body"
jq -r .sig export.json | base64 -d >"$work/export.sig"
verify "$work/terminal.pem" "$work/export.body" "$work/export.sig" || die "export.json is not signed by the terminal key"
[ "$(jq -r .type "$work/export.body")" = case.exported ] || die "export.json is not a case.exported event"
[ "$(jq -r .terminal "$work/export.body")" = "$(jq -r .terminal terminal.json)" ] || die "export.json names another terminal"
[ "$(jq -r .payload.sha256sums "$work/export.body")" = "$(sha SHA256SUMS)" ] || die "the signed export names another SHA256SUMS"
ok "SHA256SUMS is named by case.exported #$(jq -r .seq "$work/export.body") (case $(jq -r .payload.case "$work/export.body")), signed by the terminal"

# Step 3: events and chain ------------------------------------------------------
# A case continued on other terminals of the agency holds their chains too,
# after this terminal's, each checked the same way under its own key from
# terminals.json.
own=$(jq -r .terminal terminal.json)
declare -A pem=([$own]="$work/terminal.pem")
if [ -f terminals.json ]; then
  for id in $(jq -r '.[].terminal' terminals.json); do
    case "$id" in k[0-9a-f]*) ;; *) die "terminals.json: $id is not a terminal id" ;; esac
    jq -r --arg id "$id" '.[] | select(.terminal == $id) | .public_key_pem' terminals.json >"$work/terminal-$id.pem"
    pem[$id]="$work/terminal-$id.pem"
  done
  echo "note: the keys of $((${#pem[@]} - 1)) other terminal(s) were taken from terminals.json; compare them with the hub's register of terminals"
fi
prev=0000000000000000000000000000000000000000000000000000000000000000
seq=0
declare -A event_hash chain_seq chain_prev
# One jq pass lists every event's body and signature and the body's
# terminal, seq and prev; then per event: decode, verify the signature under
# its terminal's key, hash the body.
jq -r '.body, .sig, (.body | @base64d | fromjson | "\(.terminal) \(.seq) \(.prev)")' events.jsonl >"$work/events.txt" ||
  die "events.jsonl is not one JSON event per line"
n=0
while IFS= read -r body64 && IFS= read -r sig64 && read -r body_terminal body_seq body_prev; do
  n=$((n + 1))
  key=${pem[$body_terminal]:-}
  [ -n "$key" ] || die "events.jsonl line $n: terminal $body_terminal has no key in terminal.json or terminals.json"
  printf '%s' "$body64" | base64 -d >"$work/body"
  printf '%s' "$sig64" | base64 -d >"$work/sig"
  verify "$key" "$work/body" "$work/sig" || die "events.jsonl line $n: signature does not verify"
  s=$((${chain_seq[$body_terminal]:-0} + 1))
  [ "$body_seq" = "$s" ] || die "events.jsonl line $n: seq of $body_terminal is not $s"
  [ "$body_prev" = "${chain_prev[$body_terminal]:-$prev}" ] || die "events.jsonl line $n: prev does not link to the previous event of $body_terminal"
  read -r h _ < <(sha256sum "$work/body")
  chain_seq[$body_terminal]=$s
  chain_prev[$body_terminal]=$h
  [ "$body_terminal" != "$own" ] || event_hash[$s]=$h
done <"$work/events.txt"
seq=${chain_seq[$own]:-0}
prev=${chain_prev[$own]:-$prev}
export_seq=$(jq -r .seq "$work/export.body")
[ "$export_seq" -gt "$seq" ] || die "the export is not after the last event"
if [ "$export_seq" -eq $((seq + 1)) ]; then
  [ "$(jq -r .prev "$work/export.body")" = "$prev" ] || die "the export does not link to the last event"
fi
if [ "${#chain_seq[@]}" -le 1 ]; then
  ok "$seq events verify as one chain signed by the terminal"
else
  ok "$n events verify as ${#chain_seq[@]} chains, each signed by its terminal"
fi

# Step 4: the hub's checkpoints ---------------------------------------------------
if [ -f log/hub.json ]; then
  jq -r .hub_key_pem log/hub.json >"$work/hub.pem"
  if [ "$hub_key" != - ]; then
    cmp -s <(openssl pkey -pubin -in "$hub_key" -outform DER) <(openssl pkey -pubin -in "$work/hub.pem" -outform DER) ||
      die "log/hub.json holds another key than the trusted hub key $hub_key"
  else
    echo "note: the hub key was taken from log/hub.json; compare it with the key the district publishes"
  fi
  declare -A root
  for note in log/checkpoints/*.note; do
    [ -e "$note" ] || continue
    head -n 3 "$note" >"$work/note.text"
    [ "$(sed -n 4p "$note")" = "" ] || die "$note: not a three-line checkpoint"
    sigline=$(sed -n 5p "$note")
    case "$sigline" in "— "*) ;; *) die "$note: no signature line" ;; esac
    [ "$(echo "$sigline" | cut -d' ' -f2)" = "$(head -n 1 "$note")" ] || die "$note: signed under another name than its origin"
    echo "$sigline" | cut -d' ' -f3 | base64 -d | tail -c 64 >"$work/note.sig"
    verify "$work/hub.pem" "$work/note.text" "$work/note.sig" || die "$note: the hub's signature does not verify"
    size=$(sed -n 2p "$note")
    [ "$note" = "log/checkpoints/$size.note" ] || die "$note: holds size $size"
    root[$size]=$(sed -n 3p "$note")
  done
  ok "${#root[@]} checkpoint(s) signed by the hub"

  # Step 5: inclusion proofs ------------------------------------------------------
  proven=0
  while IFS= read -r line; do
    s=$(printf '%s' "$line" | jq -r .seq)
    h=$(printf '%s' "$line" | jq -r .event_sha256)
    [ "${event_hash[$s]:-}" = "$h" ] || die "log/inclusion.jsonl: event #$s is not in events.jsonl"
    size=$(printf '%s' "$line" | jq -r .checkpoint_size)
    [ -n "${root[$size]:-}" ] || die "log/inclusion.jsonl: event #$s: no verified checkpoint of size $size"
    printf '%s' "$h" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$work/eh"
    { printf '\000'; printf 'lawtrail-event/v1\n'; cat "$work/eh"; } | openssl dgst -sha256 -binary >"$work/r"
    fold "$line" "$size" || die "log/inclusion.jsonl: event #$s: $fold_error"
    proven=$((proven + 1))
  done < <(cat log/inclusion.jsonl 2>/dev/null)
  ok "$proven event(s) are in the hub's log (inclusion proofs against signed checkpoints)"

  # Step 5b: the hub's receipts of footage, each a leaf of its log -------------
  receipts=0
  while IFS= read -r line; do
    printf '%s' "$line" | jq -r .signed | base64 -d >"$work/rc.text"
    printf '%s' "$line" | jq -r .sig | base64 -d >"$work/rc.sig"
    verify "$work/hub.pem" "$work/rc.text" "$work/rc.sig" || die "log/receipts.jsonl: a receipt not signed by the hub"
    d=$(printf '%s' "$line" | jq -r .digest)
    [ "$(sed -n 1p "$work/rc.text")" = "lawtrail-receipt/v1" ] && [ "$(sed -n 2p "$work/rc.text")" = "$d" ] ||
      die "log/receipts.jsonl: receipt of $d: signed text names another file"
    [ "$(sed -n 4p "$work/rc.text")" = "$(jq -r .terminal terminal.json)" ] || die "log/receipts.jsonl: receipt of $d: another terminal's"
    [ "$(sed -n 6p "$work/rc.text")" = "$(printf '%s' "$line" | jq -r .log_index)" ] || die "log/receipts.jsonl: receipt of $d: log index differs"
    size=$(printf '%s' "$line" | jq -r .checkpoint_size)
    [ -n "${root[$size]:-}" ] || die "log/receipts.jsonl: receipt of $d: no verified checkpoint of size $size"
    { printf '\000'; cat "$work/rc.text"; } | openssl dgst -sha256 -binary >"$work/r"
    fold "$line" "$size" || die "log/receipts.jsonl: receipt of $d: $fold_error"
    receipts=$((receipts + 1))
  done < <(cat log/receipts.jsonl 2>/dev/null)
  ok "$receipts footage receipt(s) signed by the hub and in its log"
else
  echo "note: no hub proofs in this case file (the terminal had not synced when it exported)"
fi

# Step 8 (README): RFC 3161 timestamps of checkpoints ---------------------------
tokens=0
for tsr in log/timestamps/*.tsr; do
  [ -e "$tsr" ] || continue
  n=$(basename "$tsr" .tsr)
  [ -f "log/checkpoints/$n.note" ] || die "$tsr: no checkpoint $n in the case file"
  if [ -z "$tsa_ca" ]; then
    echo "note: $tsr not checked: give the time-stamping authority's root certificate as the fourth argument"
    continue
  fi
  openssl ts -verify -data "log/checkpoints/$n.note" -in "$tsr" -token_in -CAfile "$tsa_ca" >/dev/null 2>&1 ||
    die "$tsr: the timestamp does not verify for checkpoint $n under $tsa_ca"
  tokens=$((tokens + 1))
done
[ "$tokens" -eq 0 ] || ok "$tokens checkpoint timestamp(s) verify under the time-stamping authority's certificate"

# Step 6: documents ---------------------------------------------------------------
fixed=$(jq -r 'select((.cosigs // []) | length > 0) | .body | @base64d | fromjson |
  select(.type == "doc.finalized") | .payload.content_hash' events.jsonl)
docs=0
for d in documents/*.json; do
  [ -e "$d" ] || continue
  h=$(jq -r .content_hash "$d")
  echo "$fixed" | grep -qx "$h" || die "$d: no co-signed doc.finalized event fixes $h"
  docs=$((docs + 1))
done
ok "$docs document version(s) fixed by co-signed doc.finalized events"

# Step 7: footage -------------------------------------------------------------------
named=$(jq -r '.body | @base64d | fromjson | select(.type == "footage.ingested") | .blobs[]' events.jsonl)
files=0
for f in footage/*; do
  [ -e "$f" ] || continue
  [ "$(sha "$f")" = "$(basename "$f")" ] || die "$f: content does not match its name"
  echo "$named" | grep -qx "$(basename "$f")" || die "$f: no footage.ingested event names it"
  files=$((files + 1))
done
ok "$files footage file(s) match their names and have custody events"
echo "all steps held"
