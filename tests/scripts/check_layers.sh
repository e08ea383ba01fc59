#!/usr/bin/env bash
# Fails when an #include runs up the layers: a file may include only its own layer and the ones before it
# in this order (README "Layout"). Prints every offending file:line.
set -euo pipefail
cd "$(dirname "$0")/../.."
layers=(core io kernels autograd nn text data dist hf train apps)
bad=0
for ((i = 0; i < ${#layers[@]}; i++)); do
  below="${layers[*]:i+1}"
  [ -z "$below" ] && continue
  pattern="#include \"($(echo "$below" | tr ' ' '|'))/"
  while IFS= read -r hit; do
    echo "check_layers: ${layers[i]}/ includes a later layer: $hit"
    bad=1
  done < <(grep -rnE "$pattern" "${layers[i]}" --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh' || true)
done
[ "$bad" -eq 0 ] && echo "check_layers: no include runs up (${layers[*]})"
exit "$bad"
