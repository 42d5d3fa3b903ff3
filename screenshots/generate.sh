#!/bin/sh
# Regenerates the README pictures from a real session: go run ./screenshots
# drives the UI against the embedded local DCs and writes each screen as
# ANSI text; freeze (github.com/charmbracelet/freeze) turns each into a PNG.
#
#   screenshots/generate.sh            # writes screenshots/*.png
#   FREEZE=/path/to/freeze screenshots/generate.sh
set -eu
cd "$(dirname "$0")/.."

FREEZE=${FREEZE:-$(command -v freeze || true)}
if [ -z "$FREEZE" ]; then
	go install github.com/charmbracelet/freeze@v0.2.2
	FREEZE="$(go env GOPATH)/bin/freeze"
fi

ansi=$(mktemp -d)
trap 'rm -rf "$ansi"' EXIT
go run ./screenshots -out "$ansi" -width 120 -height 40

for f in "$ansi"/*.ansi; do
	name=$(basename "$f" .ansi)
	# A fixed size keeps freeze at scale 1: a 120x40 screen in about
	# 400 KB instead of a 4x image of 2 MB.
	"$FREEZE" --language ansi --window --padding 20,24 --margin 0 \
		--border.radius 8 --font.size 14 --line-height 1.2 --font.ligatures=false \
		--width 1100 --height 780 \
		--output "screenshots/$name.png" <"$f" >/dev/null
	echo "screenshots/$name.png"
done
