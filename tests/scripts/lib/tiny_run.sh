# Sourced by the CLI tests (cli_smoke.sh, kill_test.sh, dist_test.sh): a ten-document corpus of generated
# sentences, small enough that a pretraining run takes seconds.
#   write_tiny_corpus FILE
write_tiny_corpus() {
  local words=(light dark water earth heaven king people land house day night son) d s w line
  for d in $(seq 0 9); do
    for s in $(seq 0 7); do
      line=""
      for w in $(seq 0 6); do line+="${words[$(( (d * 5 + s * 3 + w * 7) % 12 ))]} "; done
      echo "$line."
    done
    echo
  done > "$1"
}
