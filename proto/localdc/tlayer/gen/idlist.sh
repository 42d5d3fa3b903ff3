#!/bin/bash
# idlist.sh SCHEMAS LAYERS_TL > ids
#
# Writes the id list tlayer's tests check the codec's data against
# (testdata/ids.txt, below its header): "name from-to id" for each name
# the data LAYERS_TL serves and each run of
# layers 133..229 in which it has the same published ids. SCHEMAS is
# extract.sh's output directory; every source's copy of each layer is
# read (SCHEMAS/all), with grep rather than the generator's parser, and a
# layer nobody published takes the ids of the nearest lower one. Where the
# copies of one layer disagree (Telegram edited the layer in place, and
# the sources took it at different times) each id gets its own line, so
# the runs of one name overlap there.
set -euo pipefail
dir=$1
min=133 max=229
names=$(mktemp)
trap 'rm -f "$names"' EXIT
awk '/^---(types|functions)---/{s=1; next} /^---/{s=0} s && /^[0-9]/{split($2, a, "#"); print a[1]}' "$2" | sort -u >"$names"
for f in "$dir"/all/*.tl; do
	b=$(basename "$f" .tl)
	grep -oE '^[a-zA-Z0-9_.]+#[0-9a-fA-F]+' "$f" | awk -v l="${b%%.*}" -F'#' '
		NR==FNR { want[$0]=1; next }
		want[$1] { id=tolower($2); while (length(id)<8) id="0" id; print l, $1, id }' "$names" -
done | awk -v min=$min -v max=$max '
	{ pub[$1]=1; names[$2]=1; if (index(ids[$1" "$2], $3)==0) ids[$1" "$2]=ids[$1" "$2]" "$3 }
	END {
		for (n in names) {
			prev=""; from=min
			for (l=min; l<=max+1; l++) {
				set=""
				if (l<=max) {
					p=l
					while (!(p in pub) && p>min) p--
					k=split(ids[p" "n], a, " ")
					for (i=1; i<=k; i++) for (j=i+1; j<=k; j++) if (a[j]<a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }
					for (i=1; i<=k; i++) set=set" "a[i]
				}
				if (set!=prev) {
					k=split(prev, a, " ")
					for (i=1; i<=k; i++) printf "%s %d-%d %s\n", n, from, l-1, a[i]
					prev=set; from=l
				}
			}
		}
	}' | sort -k1,1 -k2,2n -k3,3
