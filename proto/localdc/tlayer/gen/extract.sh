#!/bin/bash
# extract.sh OUT GOTD TDESKTOP TELETHON TDLIB GOTD_MODULE
#
# Writes the published Telegram API schemas of layers 133..229 into OUT:
# every source's copy of every layer as OUT/all/NNN.SOURCE.tl, and one
# per layer for the generator as OUT/NNN.tl, each listed with repository,
# commit and path in OUT/all/SOURCES and OUT/SOURCES.
#
# GOTD, TDESKTOP, TELETHON and TDLIB are git directories of
# github.com/gotd/td, telegramdesktop/tdesktop, LonamiWebs/Telethon and
# tdlib/td (history needed); GOTD_MODULE is gotd/td v0.162.0's module
# directory, whose _schema/telegram.tl is layer 229 as the tg package was
# generated from it.
#
# Telegram edits a layer's schema in place until the next layer comes, so
# a source may have several commits at one layer and the sources may
# disagree. Of each source the newest commit at a layer is kept; of the
# sources, the copy committed last (the layer as it finally stood), with
# ties going to gotd, tdesktop, Telethon, tdlib in that order.
set -euo pipefail
out=$1 gotd=$2 tdesktop=$3 telethon=$4 tdlib=$5 module=$6
min=133 max=229
mkdir -p "$out/all"
cand=$(mktemp)
trap 'rm -f "$cand"' EXIT

# layer_of: the number after the last "// LAYER" of the text on stdin.
layer_of() { grep -o '^// LAYER [0-9]*' | tail -1 | grep -o '[0-9]*$' || true; }

# candidate RANK SOURCE REPO GITDIR LAYER COMMIT PATH
candidate() {
	local rank=$1 src=$2 repo=$3 dir=$4 l=$5 c=$6 p=$7
	[[ -n "$l" && "$l" -ge $min && "$l" -le $max ]] || return 0
	echo "$l $(git -C "$dir" log -1 --format=%ct "$c") $rank $src $repo $c $p $dir" >>"$cand"
}

# gotd and Telethon state the layer in the file.
for c in $(git -C "$gotd" log --format=%H -- _schema/telegram.tl); do
	candidate 1 gotd gotd/td "$gotd" "$(git -C "$gotd" show "$c:_schema/telegram.tl" 2>/dev/null | layer_of)" "$c" _schema/telegram.tl
done
for c in $(git -C "$telethon" log --all --format=%H -- telethon_generator/data/api.tl); do
	candidate 3 telethon LonamiWebs/Telethon "$telethon" "$(git -C "$telethon" show "$c:telethon_generator/data/api.tl" 2>/dev/null | layer_of)" "$c" telethon_generator/data/api.tl
done
# tdesktop renamed the file twice; follow it.
git -C "$tdesktop" log --follow --name-only --format='C %H' -- Telegram/SourceFiles/mtproto/scheme/api.tl |
	awk '/^C /{c=$2; next} NF{print c, $1}' | while read -r c p; do
	candidate 2 tdesktop telegramdesktop/tdesktop "$tdesktop" "$(git -C "$tdesktop" show "$c:$p" 2>/dev/null | layer_of)" "$c" "$p"
done
# tdlib states the layer in td/telegram/Version.h.
for c in $(git -C "$tdlib" log --format=%H -- td/generate/scheme/telegram_api.tl td/telegram/Version.h); do
	l=$(git -C "$tdlib" show "$c:td/telegram/Version.h" 2>/dev/null | grep -o 'MTPROTO_LAYER = [0-9]*' | grep -o '[0-9]*$' || true)
	candidate 4 tdlib tdlib/td "$tdlib" "$l" "$c" td/generate/scheme/telegram_api.tl
done

# Newest commit per layer and source: sort by layer, source, time descending.
: >"$out/all/SOURCES"
sort -k1,1n -k4,4 -k2,2nr "$cand" | awk '!seen[$1" "$4]++' | while read -r l t rank src repo c p dir; do
	[[ "$l" == "$max" && "$src" == gotd ]] && continue # layer 229: the module's, below
	git -C "$dir" show "$c:$p" >"$out/all/$l.$src.tl"
	echo "$l $src $repo $c $p $t $rank" >>"$out/all/SOURCES"
done
cp "$module/_schema/telegram.tl" "$out/all/$max.gotd.tl"
echo "$max gotd gotd/td v0.162.0 _schema/telegram.tl 9999999999 0" >>"$out/all/SOURCES"

# One copy per layer: the one committed last, ties by rank.
sort -k1,1n -k6,6nr -k7,7n "$out/all/SOURCES" | awk '!seen[$1]++' | while read -r l src repo c p t rank; do
	cp "$out/all/$l.$src.tl" "$out/$l.tl"
	echo "$l $src $repo $c $p"
done >"$out/SOURCES"
sort -k1,1n -k2,2 -o "$out/all/SOURCES" "$out/all/SOURCES"
