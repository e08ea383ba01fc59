#!/usr/bin/env bash
# Kill test (ctest `kill_test`). A small pretraining run is killed with SIGKILL seven times and resumed
# with --resume after each kill. Kills land at random moments (seeded; KILL_TEST_SEED=<n> reruns one),
# in the middle of a checkpoint write, in the middle of the log rewrite that --resume does, and in the
# middle of a log append; the last three are forced by the PONET_FAULT_* hooks of io/atomic_file.cpp.
# After every kill: the checkpoint loads (`ponet eval`), log.jsonl is intact, and the temporaries a killed
# run left are gone after the next save. The finished log must equal an uninterrupted run's, loss for
# loss. Then SIGTERM: exit 130 with a checkpoint at the step reached, and --resume finishes the run.
# Usage: tests/scripts/kill_test.sh path/to/ponet
set -euo pipefail
ponet="$1"
seed=${KILL_TEST_SEED:-$(( $(date +%s%N) % 100000 ))}
echo "kill_test: seed $seed (rerun with KILL_TEST_SEED=$seed)"
RANDOM=$seed
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "kill_test FAILED (seed $seed): $*" >&2; exit 1; }

source "$(dirname "$0")/lib/tiny_run.sh"
write_tiny_corpus "$dir/corpus.txt"
cat > "$dir/model.json" <<'JSON'
{"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
 "max_position_embeddings": 32, "hidden_dropout_prob": 0.1}
JSON
# 600 steps of about 3 ms; a checkpoint (213 kB) stays larger than the whole log (140 kB), which the
# mid-checkpoint kill needs
steps=600
common=(--corpus "$dir/corpus.txt" --config "$dir/model.json" --vocab-size 60 --max-len 32 --batch-size 4
        --warmup 2 --steps "$steps" --log-every 1 --eval-every 10 --eval-batches 2 --checkpoint-every 10
        --held-out 0.2)
each=(--threads 1 --quiet)  # per invocation (not kept in run.json)

# check.py log FILE: "<last train step> <1 if the last line is torn>"; every complete line must be JSON,
#   train steps run 1, 2, ... without a gap or a repeat, eval steps increase.
# check.py step CHECKPOINT: the step in the checkpoint's safetensors metadata.
# check.py same REFERENCE LOG: the train records (and the reference's evals) are identical, timing aside.
cat > "$dir/check.py" <<'PY'
import json, struct, sys
def records(path, allow_torn):
    data = open(path, "rb").read().decode()
    lines = data.split("\n")
    torn = lines.pop() != ""  # text after the last newline: a line cut by a kill
    if torn and not allow_torn:
        sys.exit(f"{path}: the last line is torn: {lines and data[-80:]!r}")
    out = []
    for i, line in enumerate(lines, 1):
        try:
            out.append(json.loads(line))
        except ValueError:
            sys.exit(f"{path}:{i}: not JSON: {line[:80]!r}")
    return out, torn
cmd = sys.argv[1]
if cmd == "log":
    recs, torn = records(sys.argv[2], True)
    train = [r["step"] for r in recs if r["kind"] == "train"]
    evals = [r["step"] for r in recs if r["kind"] == "eval"]
    if train != list(range(1, len(train) + 1)):
        sys.exit(f"{sys.argv[2]}: train steps are not 1..n without gaps or repeats: {train}")
    if any(b <= a for a, b in zip(evals, evals[1:])):
        sys.exit(f"{sys.argv[2]}: eval steps do not increase: {evals}")
    print(len(train), int(torn))
elif cmd == "step":
    with open(sys.argv[2], "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        print(json.loads(f.read(n))["__metadata__"]["step"])
elif cmd == "same":
    strip = lambda r: {k: v for k, v in r.items() if k not in ("elapsed_s", "tokens_per_s")}
    ref = [strip(r) for r in records(sys.argv[2], False)[0]]
    run = [strip(r) for r in records(sys.argv[3], False)[0]]
    ref_evals = {r["step"] for r in ref if r["kind"] == "eval"}
    kept = [r for r in run if r["kind"] == "train" or r["step"] in ref_evals]  # a stop adds an eval
    if kept != ref:
        diff = next((i for i, (a, b) in enumerate(zip(ref, kept)) if a != b), min(len(ref), len(kept)))
        sys.exit(f"{sys.argv[3]} differs from the uninterrupted run at record {diff + 1}")
PY
check() { python3 "$dir/check.py" "$@" || fail "check $*"; }

t0=$(date +%s%N)
"$ponet" pretrain "${common[@]}" "${each[@]}" --out "$dir/ref" > /dev/null 2>&1 || fail "the uninterrupted run failed"
# random kills land within about 30 steps after a checkpoint, however fast this machine is
max_delay_ms=$(( ($(date +%s%N) - t0) * 30 / steps / 1000000 + 5 ))

run="$dir/run"
inode() { stat -c %i "$run/checkpoint.safetensors" 2>/dev/null || echo none; }
size() { stat -c %s "$1"; }
sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
temporaries() { (cd "$run" && ls -1 -- *.tmp.* 2>/dev/null) || true; }
start() {  # env assignments for this segment; the first segment starts the run, later ones resume it
  if [ "$seg" -eq 1 ]; then
    env "$@" "$ponet" pretrain "${common[@]}" "${each[@]}" --out "$run" >> "$dir/out.txt" 2>&1 &
  else
    env "$@" "$ponet" pretrain --out "$run" --resume "${each[@]}" >> "$dir/out.txt" 2>&1 &
  fi
  pid=$!
}
wait_killed() {  # the segment must have died of SIGKILL (status 137)
  local status=0
  { wait "$pid"; } 2> /dev/null || status=$?  # (bash's "Killed" notice is noise here)
  [ "$status" -eq 137 ] || { tail -5 "$dir/out.txt" >&2; fail "segment $seg ($kind) ended with status $status, not by SIGKILL"; }
}

# R: a random moment after the segment's first checkpoint; C: mid-checkpoint write; A: a torn log line;
# L: mid-way through the log rewrite of --resume
kinds=(R C A L C R R)
prev_ckpt=0
prev_tmp=""
for seg in $(seq 1 ${#kinds[@]}); do
  kind=${kinds[$((seg - 1))]}
  before_inode=$(inode)
  [ "$seg" -eq 1 ] || cp "$run/log.jsonl" "$dir/log_before"
  case $kind in
    R)
      start
      waited=0
      while [ "$(inode)" = "$before_inode" ]; do  # a new checkpoint: the segment made progress
        kill -0 "$pid" 2>/dev/null || fail "segment $seg ended before its first checkpoint"
        sleep 0.01; waited=$((waited + 1))
        [ "$waited" -lt 3000 ] || fail "segment $seg wrote no checkpoint in 30 s"
      done
      ms=$((RANDOM % max_delay_ms))  # drawn here: $RANDOM inside $(...) is reseeded, not the seeded sequence
      sleep_ms "$ms"
      kill -KILL "$pid" 2>/dev/null || true
      what="$ms ms after its first checkpoint" ;;
    C)
      log_size=$(size "$run/log.jsonl"); ckpt_size=$(size "$run/checkpoint.safetensors")
      [ "$log_size" -lt $((ckpt_size - 1024)) ] || fail "test setup: the log ($log_size B) is not smaller than a checkpoint"
      bytes=$(( (log_size + ckpt_size) / 2 ))  # above the log rewrite, inside the checkpoint
      start PONET_FAULT_KILL_AFTER_BYTES=$bytes
      what="after $bytes of $ckpt_size checkpoint bytes" ;;
    A)
      appends=$((12 + RANDOM % 19))  # from the 12th on: after the segment's first checkpoint (10 steps + 1 eval)
      start PONET_FAULT_KILL_IN_APPEND=$appends
      what="in append $appends" ;;
    L)
      [ "$(size "$run/log.jsonl")" -gt 2000 ] || fail "test setup: the log is too short"
      bytes=1000
      start PONET_FAULT_KILL_AFTER_BYTES=$bytes
      what="after $bytes bytes of the log rewrite" ;;
  esac
  wait_killed

  # the last good checkpoint loads and went forward only where the segment saved
  "$ponet" eval --run "$run" --batches 1 > /dev/null 2>&1 || fail "segment $seg ($kind): the checkpoint does not load"
  ckpt=$(check step "$run/checkpoint.safetensors")
  case $kind in
    R|A) [ "$ckpt" -gt "$prev_ckpt" ] || fail "segment $seg ($kind): the checkpoint did not advance past $prev_ckpt" ;;
    C|L) [ "$ckpt" -eq "$prev_ckpt" ] || fail "segment $seg ($kind): the checkpoint changed ($prev_ckpt -> $ckpt)" ;;
  esac
  # the log is intact and reaches the checkpoint; only a kill in an append may tear its last line
  read -r last torn < <(check log "$run/log.jsonl")
  [ "$last" -ge "$ckpt" ] || fail "segment $seg: the log ends at step $last, before the checkpoint ($ckpt)"
  case $kind in
    A) [ "$torn" -eq 1 ] || fail "segment $seg: the append fault left no torn line" ;;
    C) [ "$torn" -eq 0 ] || fail "segment $seg: a torn log line survived --resume" ;;
  esac
  [ "$kind" != L ] || cmp -s "$run/log.jsonl" "$dir/log_before" || fail "segment $seg: a kill in the log rewrite changed the log"
  # temporaries: the previous segment's are gone (each segment but L saves a checkpoint); this kill's are
  # the killed process's, and a forced one holds exactly the bytes written before the kill
  tmp=$(temporaries)
  for f in $prev_tmp; do
    [ ! -e "$run/$f" ] || { [ "$kind" = L ] && [ "${f%%.tmp.*}" = checkpoint.safetensors ]; } ||
      fail "segment $seg: the stale temporary $f was not removed by the next save"
  done
  for f in $tmp; do
    case " $prev_tmp " in *" $f "*) continue ;; esac
    [ "${f##*.tmp.}" = "$pid" ] || fail "segment $seg: unexpected temporary $f"
  done
  case $kind in
    C) [ "$(size "$run/checkpoint.safetensors.tmp.$pid" 2>/dev/null)" = "$bytes" ] || fail "segment $seg: no $bytes-byte checkpoint temporary" ;;
    L) [ "$(size "$run/log.jsonl.tmp.$pid" 2>/dev/null)" = "$bytes" ] || fail "segment $seg: no $bytes-byte log temporary" ;;
  esac
  prev_ckpt=$ckpt
  prev_tmp=${tmp//$'\n'/ }
  echo "kill $seg ($kind) $what: checkpoint at step $ckpt, log at step $last$([ "$torn" -eq 0 ] || echo ' (last line torn)'), temporaries: ${prev_tmp:-none}"
done

"$ponet" pretrain --out "$run" --resume "${each[@]}" > "$dir/final.txt" 2>&1 || { cat "$dir/final.txt"; fail "the final resume failed"; }
read -r last torn < <(check log "$run/log.jsonl")
{ [ "$last" -eq "$steps" ] && [ "$torn" -eq 0 ]; } || fail "the finished log ends at step $last (torn $torn), not $steps"
[ "$(check step "$run/checkpoint.safetensors")" -eq "$steps" ] || fail "the final checkpoint is not at step $steps"
[ -z "$(temporaries)" ] || fail "temporaries left after the finished run: $(temporaries)"
check same "$dir/ref/log.jsonl" "$run/log.jsonl"
echo "kill_test: ${#kinds[@]} kills, resumed to step $steps; the log equals the uninterrupted run's"

# SIGTERM: like Ctrl-C, a checkpoint at the step reached and exit 130; --resume finishes
term="$dir/term"
"$ponet" pretrain "${common[@]}" "${each[@]}" --out "$term" > "$dir/term.txt" 2>&1 &
pid=$!
waited=0
until [ -e "$term/checkpoint.safetensors" ]; do
  kill -0 "$pid" 2>/dev/null || fail "the SIGTERM run ended before its first checkpoint"
  sleep 0.01; waited=$((waited + 1))
  [ "$waited" -lt 3000 ] || fail "the SIGTERM run wrote no checkpoint in 30 s"
done
ms=$((RANDOM % max_delay_ms))
sleep_ms "$ms"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 130 ] || { cat "$dir/term.txt"; fail "SIGTERM: exit status $status, expected 130"; }
read -r last torn < <(check log "$term/log.jsonl")
ckpt=$(check step "$term/checkpoint.safetensors")
{ [ "$ckpt" -eq "$last" ] && [ "$torn" -eq 0 ]; } || fail "SIGTERM: checkpoint at step $ckpt but the log reaches step $last"
[ "$ckpt" -lt "$steps" ] || fail "SIGTERM arrived after the run had finished"
"$ponet" pretrain --out "$term" --resume "${each[@]}" > "$dir/term2.txt" 2>&1 || { cat "$dir/term2.txt"; fail "resume after SIGTERM failed"; }
read -r last torn < <(check log "$term/log.jsonl")
[ "$last" -eq "$steps" ] || fail "after SIGTERM the resumed run ends at step $last"
check same "$dir/ref/log.jsonl" "$term/log.jsonl"
echo "kill_test: SIGTERM at step $ckpt: exit 130, checkpoint at that step, resumed to $steps"
echo "kill_test: all checks passed"
