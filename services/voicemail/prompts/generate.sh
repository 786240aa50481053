#!/bin/sh
# Generates the voicemail prompts, French and English, as 8 kHz 16-bit mono
# WAV files: OUT/<lang>/<id>.wav, from prompts.tsv and the numbers 0–100.
# Run by the build (services/voicemail/CMakeLists.txt); needs espeak-ng and sox.
set -eu
TSV=$1
OUT=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { # lang id text
  case $1 in fr) voice=fr-fr ;; *) voice=en-us ;; esac
  espeak-ng -v "$voice" -s 155 -w "$tmp/raw.wav" "$3"
  sox -q "$tmp/raw.wav" -r 8000 -c 1 -b 16 "$OUT/$1/$2.wav"
}
mkdir -p "$OUT/fr" "$OUT/en"
tab=$(printf '\t')
while IFS="$tab" read -r id fr en; do
  case $id in ''|'#'*) continue ;; esac
  say fr "$id" "$fr"
  say en "$id" "$en"
done < "$TSV"
n=0
while [ $n -le 100 ]; do
  say fr "n_$n" "$n"
  say en "n_$n" "$n"
  n=$((n + 1))
done
touch "$OUT/.stamp"
