#!/bin/sh
# seed_study.sh: the GPT acceptance run (nanoGPT's CPU "baby shakespeare")
# over several seeds, in golem and in the PyTorch reference (nanogpt_ref.py),
# to see how much of a single run's final validation loss is the seed.
#
#   sh train/testdata/seed_study.sh [seeds...]     (from the repository root)
#
# Prints one line per run: "golem|torch seed S val_loss X". Each golem run
# takes ~1.5 min on 2 cores, each torch run ~6 min; the torch runs need
# python3-torch (apt-get install -y python3-torch libopenblas0-pthread).
set -e
data=../shared/data/tinyshakespeare/input.txt
seeds=${*:-1 2 3}
out=$(mktemp -d)
go build -o "$out/golem" ./cmd/golem
for s in $seeds; do
	"$out/golem" train --data "$data" --tokenizer char --config baby --iters 2000 --batch 12 \
		--lr 1e-3 --min-lr 1e-4 --warmup 100 --beta2 0.99 --dropout 0 --seed "$s" \
		--plain --log-interval 100 --out "$out/run$s" >/dev/null
	v=$(grep -o '"val_loss":[0-9.]*' "$out/run$s/metrics.jsonl" | tail -1 | cut -d: -f2)
	echo "golem seed $s val_loss $v"
done
for s in $seeds; do
	v=$(THREADS=2 /usr/bin/python3 train/testdata/nanogpt_ref.py "$data" --seed "$s" | grep 'step 2000' | sed 's/.*val loss \([0-9.]*\).*/\1/')
	echo "torch seed $s val_loss $v"
done
rm -rf "$out"
